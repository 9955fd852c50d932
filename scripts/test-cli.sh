#!/usr/bin/env bash
# The CLI package (cli/, npm cdk-fargate-fan-out-cli) as a user gets it: the construct library and
# the CLI each packed (`npm pack`), both tarballs installed into a fresh directory with plain npm,
# then `cdk-fargate-fan-out --help`, `plan`, and `report` on a folder of result files; `npx` of
# the CLI from an empty directory; and the library's tarball without any runtime dependency (no
# AWS SDK). Run from the repo root after `npx projen compile` (the library's lib/ is packed).
# Prints "cli: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TMP=$ROOT/.tmp/cli
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

passed=0
failed=0
check() { # check NAME COMMAND...: one test that passes when COMMAND exits 0
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "ok - $name"; else failed=$((failed + 1)); echo "not ok - $name" >&2; fi
}
finish() {
  echo "cli: $passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit
}

rm -rf "$TMP" && mkdir -p "$TMP/packs" || exit 1
[ -f lib/planner/planner.js ] || { echo "no lib/: run 'npx projen compile' first" >&2; failed=1; finish; }

# -- the packages -------------------------------------------------------------------------------
LIB_TGZ=
pack_library() {
  local name
  name=$(npm pack --silent --ignore-scripts --pack-destination "$TMP/packs") || return 1
  LIB_TGZ=$TMP/packs/$name
  echo "   $(basename "$LIB_TGZ"): $(tar -tzf "$LIB_TGZ" | wc -l) files"
}
check "the library packs" pack_library

library_has_no_runtime_dependency() {
  local sdk deps
  sdk=$(tar -tzf "$LIB_TGZ" | grep -E 'node_modules/|aws-sdk' | head -3)
  [ -z "$sdk" ] || { echo "   the library's tarball carries: $sdk" >&2; return 1; }
  deps=$(tar -xzOf "$LIB_TGZ" package/package.json | node -e '
    const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const extra = [...Object.keys(p.dependencies ?? {}), ...(p.bundledDependencies ?? p.bundleDependencies ?? [])];
    if (p.bin) extra.push("bin");
    console.log(extra.join(" "));')
  [ -z "$deps" ] || { echo "   the library's package.json declares: $deps" >&2; return 1; }
}
check "the library's tarball has no runtime dependency, bundled or declared, and no bin (no AWS SDK)" library_has_no_runtime_dependency

CLI_TGZ=
pack_cli() {
  local name
  if [ ! cli/node_modules/.package-lock.json -nt cli/package-lock.json ]; then
    (cd cli && npm ci --loglevel=error) || return 1
  fi
  # prepack compiles cli/src and pins the library to its version; postpack restores package.json.
  name=$(cd cli && npm pack --silent --pack-destination "$TMP/packs") || return 1
  CLI_TGZ=$TMP/packs/$name
  git diff --quiet -- cli/package.json || { echo "   cli/package.json was left changed by npm pack" >&2; return 1; }
  local files
  files=$(tar -tzf "$CLI_TGZ")
  echo "   $(basename "$CLI_TGZ"): $(echo "$files" | wc -l) files"
  echo "$files" | grep -qx 'package/lib/cli.js' || { echo "   no lib/cli.js in the tarball" >&2; return 1; }
  ! echo "$files" | grep -qE '^package/(src|test)/' || { echo "   sources or tests in the tarball" >&2; return 1; }
  tar -xzOf "$CLI_TGZ" package/package.json | node -e '
    const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const lib = p.dependencies["cdk-fargate-fan-out"];
    if (!/^\^\d/.test(lib)) { console.error(`   the packed CLI depends on cdk-fargate-fan-out "${lib}", not a version`); process.exit(1); }'
}
check "the CLI packs (compiled, the library pinned to a version)" pack_cli

# -- installed into a fresh directory, as a user does ---------------------------------------------
APP=$TMP/app
install_both() {
  [ -n "$LIB_TGZ" ] && [ -n "$CLI_TGZ" ] || return 1
  mkdir -p "$APP" && echo '{ "name": "cli-user", "private": true }' >"$APP/package.json"
  (cd "$APP" && npm install --loglevel=error --no-package-lock "$LIB_TGZ" "$CLI_TGZ") || return 1
  [ -x "$APP/node_modules/.bin/cdk-fargate-fan-out" ]
}
check "both tarballs install into a fresh directory with npm" install_both

cli() { (cd "$APP" && ./node_modules/.bin/cdk-fargate-fan-out "$@"); }

help_lists_commands() {
  local out
  out=$(cli --help) || return 1
  for command in plan report start watch; do
    grep -qE "^  $command " <<<"$out" || { echo "   --help does not list '$command':" >&2; echo "$out" >&2; return 1; }
  done
}
check "--help exits 0 and lists plan, report, start and watch" help_lists_commands

plans() {
  local out
  out=$(cli plan --items 10000 --duration 1m --max-concurrency 100 --vcpu-quota 1000) || return 1
  echo "$out" | head -3 | sed 's/^/   /'
  grep -q 'concurrency cap' <<<"$out"
}
check "plan prints the plan and its binding limit" plans

reports_a_folder() {
  local run out expected
  # A run of 2,000 items in the result writer's layout (one SUCCEEDED_0.json array, FAILED_0.json).
  run=$(cd "$ROOT" && node -r ts-node/register/transpile-only cli/test/report/result-writer-run.ts "$TMP/run" 2000) || return 1
  expected=$(node -e 'const r = JSON.parse(process.argv[1]); console.log(r.succeeded, r.failed)' "$run")
  out=$(cli report "$TMP/run" --json) || return 1
  [ "$(node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(r.counts.succeeded, r.counts.failed)' <<<"$out")" = "$expected" ] \
    || { echo "   report counted differently from the run's $expected" >&2; return 1; }
  out=$(cli report "$TMP/run" --html "$TMP/run.html") || return 1
  grep -q '^items: *2,000$' <<<"$out" && head -c 15 "$TMP/run.html" | grep -q '<!DOCTYPE html>'
}
check "report reads a folder of result files (text, --json with the run's counts, --html)" reports_a_folder

npx_from_empty_directory() {
  local empty=$TMP/empty out
  mkdir -p "$empty"
  # As `npx cdk-fargate-fan-out-cli <command>` does once the packages are published.
  out=$(cd "$empty" && npx --yes --package "$LIB_TGZ" --package "$CLI_TGZ" cdk-fargate-fan-out plan --items 100 --duration 90s) || return 1
  grep -q 'makespan' <<<"$out"
}
check "npx runs the CLI from an empty directory" npx_from_empty_directory

finish
