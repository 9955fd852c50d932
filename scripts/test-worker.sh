#!/usr/bin/env bash
# Tests the worker runtimes (worker/python, worker/node) and the example worker, and builds both
# packages: the Python tests and the Node tests against moto in server mode on 127.0.0.1 (started
# by the tests), the wheel installed with plain pip into a fresh venv and imported, the npm
# tarball installed into a fresh project and required. Installs what it needs itself (a venv
# under .tmp/worker, npm ci in worker/node). Prints "worker: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TMP=$ROOT/.tmp/worker
mkdir -p "$TMP"
export WORKER_TEST_TMP=$TMP PIP_DISABLE_PIP_VERSION_CHECK=1
export npm_config_audit=false npm_config_fund=false

passed=0
failed=0
pass() { passed=$((passed + $1)); }
fail() { failed=$((failed + $1)); echo "worker: FAILED: $2" >&2; }
check() { # check NAME COMMAND...: one test that passes when COMMAND exits 0
  local name=$1; shift
  if "$@"; then pass 1; echo "ok - $name"; else fail 1 "$name"; fi
}

# -- tools: moto (server mode), pytest, build; boto3 for the runtime --------------------------
VENV=$TMP/venv
if [ ! -x "$VENV/bin/moto_server" ] || ! "$VENV/bin/python" -c 'import moto, pytest, build, boto3' 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" || exit 1
  "$VENV/bin/pip" install --quiet 'moto[server]==5.2.5' 'pytest==9.2.0' 'build==1.6.1' boto3 || exit 1
fi
export MOTO_SERVER=$VENV/bin/moto_server

# -- Python runtime -----------------------------------------------------------------------------
(cd worker/python && "$VENV/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$TMP/pytest.xml" tests) >"$TMP/pytest.log" 2>&1
tail -n 15 "$TMP/pytest.log"
if [ -f "$TMP/pytest.xml" ]; then
  read -r p f < <("$VENV/bin/python" - "$TMP/pytest.xml" <<'EOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root if root.tag == "testsuite" else root.find("testsuite")
n = lambda k: int(suite.get(k, 0))
bad = n("failures") + n("errors")
print(n("tests") - bad - n("skipped"), bad)
EOF
)
  pass "$p"
  [ "$f" -eq 0 ] || fail "$f" "python runtime tests (see $TMP/pytest.log)"
  rm -f "$TMP/pytest.xml"
else
  fail 1 "python runtime tests did not run (see $TMP/pytest.log)"
fi

# -- Node runtime -------------------------------------------------------------------------------
if (cd worker/node && npm ci --no-audit --no-fund >"$TMP/npm-ci.log" 2>&1); then
  (cd worker/node && node --test --test-reporter=tap test/runtime.test.js) >"$TMP/node-test.log" 2>&1
  grep -E '^(not )?ok ' "$TMP/node-test.log" | grep -v '^ok ' || true
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$TMP/node-test.log" | tail -1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$TMP/node-test.log" | tail -1)
  echo "node runtime: ${p:-0} passed, ${f:-?} failed"
  pass "${p:-0}"
  if [ -z "$f" ]; then fail 1 "node runtime tests did not finish (see $TMP/node-test.log)"; elif [ "$f" -gt 0 ]; then fail "$f" "node runtime tests (see $TMP/node-test.log)"; fi
  check "node: the type declarations compile against a typed handler" \
    bash -c 'cd worker/node && npx tsc --noEmit --strict test/types.ts'
else
  fail 1 "npm ci in worker/node (see $TMP/npm-ci.log)"
fi

# -- packages: the wheel into a fresh venv with plain pip, the tarball into a fresh project ------
build_wheel() {
  rm -rf "$TMP/dist" "$TMP/wheel-venv" worker/python/build && mkdir -p "$TMP/dist" || return 1
  "$VENV/bin/python" -m build --wheel --outdir "$TMP/dist" worker/python >"$TMP/build.log" 2>&1 || { tail -20 "$TMP/build.log"; return 1; }
  rm -rf worker/python/build worker/python/src/*.egg-info
  python3 -m venv "$TMP/wheel-venv" || return 1
  "$TMP/wheel-venv/bin/pip" install --quiet "$TMP"/dist/cdk_fargate_fan_out_worker-*.whl || return 1
  (cd "$TMP" && "$TMP/wheel-venv/bin/python" -c '
import fargate_fan_out_worker as w, boto3
assert callable(w.run) and w.EXIT_INTERRUPTED == 143, w
assert "site-packages" in w.__file__, w.__file__
print("wheel:", w.__file__)')
}
check "python: python -m build makes a wheel that plain pip installs and imports" build_wheel

pack_tarball() {
  local consumer=$TMP/npm-consumer tarball
  rm -rf "$consumer" "$TMP"/cdk-fargate-fan-out-worker-*.tgz && mkdir -p "$consumer" || return 1
  tarball=$(cd worker/node && npm pack --silent --pack-destination "$TMP") || return 1
  tar -tzf "$TMP/$tarball" | sort | tr '\n' ' ' && echo
  echo '{ "name": "consumer", "private": true }' >"$consumer/package.json"
  (cd "$consumer" && npm install --silent --no-audit --no-fund --no-package-lock "$TMP/$tarball") || return 1
  (cd "$consumer" && node -e '
const w = require("cdk-fargate-fan-out-worker");
if (typeof w.run !== "function" || w.EXIT_INTERRUPTED !== 143) throw new Error("bad exports");
console.log("tarball:", require.resolve("cdk-fargate-fan-out-worker"));')
}
check "node: npm pack makes a tarball that installs and loads" pack_tarball

# -- the example worker runs its handler through the runtime ------------------------------------
example() {
  local out
  out=$(env -u FANOUT_TASK_TOKEN PYTHONPATH="$ROOT/worker/python/src" FANOUT_ITEM='{"id": 42}' "$VENV/bin/python" examples/worker/handler.py) || return 1
  echo "$out"
  [[ $out == *"processing item: {'id': 42}"* ]]
}
check "example: examples/worker/handler.py processes an item with the runtime" example

echo "worker: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
