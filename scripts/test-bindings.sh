#!/usr/bin/env bash
# Proves the jsii bindings work: builds the Python wheel and the Java jar (and, on request, the Go
# module) from the compiled assembly (.jsii), synthesizes the example app as written in that
# language (examples/python, examples/java, examples/go) against them, and checks that each
# template equals the TypeScript example's (scripts/compare-templates.js says exactly what is
# compared and what is ignored). Renaming or retyping a prop fails here: the Python app raises
# TypeError, the Java and Go apps do not compile.
#
# Run from the repo root after `npm ci && npx projen compile`:   bash scripts/test-bindings.sh
# Needs node, python3 (with venv), java 11+ and mvn (go 1.26+ for Go); reaches npm, PyPI, Maven
# Central (and the Go module proxy). What it makes goes to dist/ (the packages) and .tmp/bindings/
# (venv, generated sources, templates, logs); the jar is also installed into the local Maven
# repository (~/.m2) by install:install-file, replacing the copy of an earlier run.
# Prints the time of each phase, and last "bindings: N passed, N failed" (one test per binding).
#
# aws-cdk-lib versions: each binding runs on the aws-cdk-lib version the TypeScript build uses
# (node_modules/aws-cdk-lib) when its registry has it. PyPI, Maven Central and the Go proxy publish
# later than npm, so when one does not have that version yet, that binding runs on the newest older
# version it has (among npm's, at most 12 back) and is compared with the TypeScript example
# synthesized on that same version, so that the comparison tests the binding, not the difference
# between two aws-cdk-lib releases (printed as a note; it never fails the run). A NOTE says so.
#
# Environment:
#   BINDINGS_LANGS="python java"  the bindings to test (add go: "python java go")
#   BINDINGS_EXACT_CDK=1          fail instead of falling back to an older aws-cdk-lib
#   BINDINGS_PYTHON_CDK, BINDINGS_JAVA_CDK, BINDINGS_GO_CDK=x.y.z   force a binding's aws-cdk-lib
#   BINDINGS_MAVEN_REPO=url       where Java versions are looked up (default Maven Central)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export PIP_DISABLE_PIP_VERSION_CHECK=1
# Delay JIT like jsii-pacmak does for Maven: about a third faster for short builds.
export MAVEN_OPTS="${MAVEN_OPTS:-} -XX:+TieredCompilation -XX:TieredStopAtLevel=1"

WORK=.tmp/bindings
OUT=$WORK/out
LOGS=$WORK/logs
STACK=FargateFanOutExample
MAVEN_REPO=${BINDINGS_MAVEN_REPO:-https://repo1.maven.org/maven2}
GO_CDK_MODULE=github.com/aws/aws-cdk-go/awscdk/v2
GO_MODULE=github.com/cdk-fargate-fan-out/cdk-fargate-fan-out-go/cdkfargatefanout
read -r -a LANGS <<<"${BINDINGS_LANGS:-python java}"
LANGS=(${LANGS[@]//,/ })

T_START=$EPOCHREALTIME
TIMINGS=()
declare -A RESULT   # binding -> "passed" or "failed: why"
declare -A CDKV     # binding -> the aws-cdk-lib version it runs on
declare -A REF      # binding -> the TypeScript template it must equal
declare -A REFLABEL # binding -> that template's label

secs_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# Runs "$@" as one phase: its output goes to $LOGS/<name>.log (lines starting with ">> " are shown;
# the last 40 lines if it fails) and its time is recorded. Sets PHASE_OK=1/0; never exits, and
# set -e stays in force inside the phase.
phase() {
  local name=$1; shift
  local log=$LOGS/${name//[^a-zA-Z0-9.]/-}.log t0=$EPOCHREALTIME rc secs
  printf '== %s\n' "$name"
  set +e
  ( set -e; "$@" ) >"$log" 2>&1
  rc=$?
  set -e
  secs=$(secs_since "$t0")
  TIMINGS+=("$(printf '%7.1fs  %s' "$secs" "$name")")
  grep -ao '>> .*' "$log" | sed 's/^>> /   /' || true
  if [ $rc -eq 0 ]; then
    PHASE_OK=1
    printf '   ok (%ss)\n' "$secs"
  else
    PHASE_OK=0
    printf '   FAILED (%ss, exit %s); last lines of %s:\n' "$secs" "$rc" "$log"
    # (awk ends every line, also Maven's last one, which lacks a newline after its color codes)
    tail -n 40 "$log" | sed 's/\x1b\[[0-9;]*m//g' | awk '{ print "   | " $0 }'
  fi
}

fail_lang() { # binding, why (the first reason is kept)
  [ "${RESULT[$1]:-passed}" = passed ] && RESULT[$1]="failed: $2"
  return 0
}
ok() { [ "${RESULT[$1]:-passed}" = passed ]; }

# ---------------------------------------------------------------------------------------------
preflight() {
  local tools=(node npx curl) lang
  for lang in "${LANGS[@]}"; do
    case $lang in
      python) tools+=(python3) ;;
      java) tools+=(java mvn) ;;
      go) tools+=(go) ;;
      *) echo "unknown binding '$lang' in BINDINGS_LANGS (python, java, go)"; return 1 ;;
    esac
  done
  for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool"; return 1; }
  done

  [ -f .jsii ] || { echo "no .jsii: run 'npx projen compile' first"; return 1; }
  # The bindings are made from .jsii and the TypeScript example runs src/ itself: both must be the
  # same code, or the comparison reports the difference between them.
  local newer
  newer=$(find src -name '*.ts' -newer .jsii | head -5 | tr '\n' ' ')
  [ -z "$newer" ] || { echo "src/ changed after .jsii was built ($newer): run 'npx projen compile' first"; return 1; }

  # jsii-pacmak bundles the npm package (npm pack) into every binding: files of this test (a
  # 400 MB venv) or of other tools under .tmp/ must not be in it.
  local stray
  stray=$(npm pack --dry-run --json --ignore-scripts 2>/dev/null | node -e '
    const files = JSON.parse(require("fs").readFileSync(0, "utf8"))[0].files.map((f) => f.path);
    const stray = files.filter((f) => /^(\.tmp|dist)\//.test(f));
    if (stray.length) console.log(`${stray.length} files, e.g. ${stray.slice(0, 3).join(", ")}`);')
  if [ -n "$stray" ]; then
    echo "the npm package, which jsii-pacmak bundles into the wheel and the jar, would include .tmp/ or dist/ ($stray):"
    echo "add project.addPackageIgnore('/.tmp/') to .projenrc.ts and run 'npx projen'"
    return 1
  fi

  # README snippets are copied from the examples' [usage] regions: examples/BINDINGS.md must hold
  # each region as it is (so that a prop renamed in an example is renamed in the docs too).
  if [ -f examples/BINDINGS.md ]; then
    node -e '
      const fs = require("fs");
      const doc = fs.readFileSync("examples/BINDINGS.md", "utf8");
      let stale = 0;
      for (const file of process.argv.slice(1)) {
        const m = fs.readFileSync(file, "utf8").match(/\[usage\][^\n]*\n([\s\S]*?)\n[^\n]*\[\/usage\]/);
        const region = m ? m[1].replace(/^\s*\n|\s+$/g, "") : undefined;
        if (!region || !doc.includes(region)) {
          console.log(`examples/BINDINGS.md does not hold the [usage] region of ${file} as it is: copy it again`);
          stale++;
        }
      }
      process.exit(stale ? 1 : 0);' examples/python/app.py \
      examples/java/src/main/java/io/github/cdkfargatefanout/example/ExampleApp.java examples/go/main.go
  fi

  local wanted constructs
  wanted=$(node -p "require('aws-cdk-lib/package.json').version")
  constructs=$(node -p "require('constructs/package.json').version")
  # The examples pin what a user would: the versions in package.json.
  local pins=()
  for lang in "${LANGS[@]}"; do
    case $lang in
      python) pins+=("examples/python/requirements.txt:^aws-cdk-lib==$wanted\$" "examples/python/requirements.txt:^constructs==$constructs\$") ;;
      java) pins+=("examples/java/pom.xml:<cdk.version>$wanted</cdk.version>" "examples/java/pom.xml:<constructs.version>$constructs</constructs.version>") ;;
      go) pins+=("examples/go/go.mod:$GO_CDK_MODULE v$wanted\$" "examples/go/go.mod:constructs/v10 v$constructs\$") ;;
    esac
  done
  local pin
  for pin in "${pins[@]}"; do
    grep -Eq "${pin#*:}" "${pin%%:*}" || { echo "${pin%%:*} must pin ${pin#*:} (package.json's version)"; return 1; }
  done

  # npm's aws-cdk-lib versions of the same major up to the wanted one, newest first.
  local candidates
  candidates=$(npm view aws-cdk-lib versions --json | node -e '
    const wanted = process.argv[1].split(".").map(Number);
    const cmp = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    const vs = JSON.parse(require("fs").readFileSync(0, "utf8"))
      .filter((v) => /^\d+\.\d+\.\d+$/.test(v)).map((v) => v.split(".").map(Number))
      .filter((v) => v[0] === wanted[0] && cmp(v, wanted) <= 0).sort(cmp).reverse();
    console.log(vs.slice(0, 12).map((v) => v.join(".")).join(" "));' "$wanted")

  local v found registry pypi=""
  printf 'WANTED=%s\nCONSTRUCTS=%s\n' "$wanted" "$constructs" >"$WORK/versions.env"
  for lang in "${LANGS[@]}"; do
    found=""
    case $lang in
      python)
        registry=PyPI found=${BINDINGS_PYTHON_CDK:-}
        [ -n "$found" ] || pypi=" $(python3 -m pip index versions aws-cdk-lib 2>/dev/null | sed -n 's/^Available versions: //p' | tr -d ',') "
        for v in $candidates; do [ -n "$found" ] && break; [[ $pypi == *" $v "* ]] && found=$v; done ;;
      java)
        # Maven Central's maven-metadata.xml lags behind its files: ask for each pom itself.
        registry="Maven Central" found=${BINDINGS_JAVA_CDK:-}
        for v in $candidates; do
          [ -n "$found" ] && break
          curl -fsSI -m 30 "$MAVEN_REPO/software/amazon/awscdk/aws-cdk-lib/$v/aws-cdk-lib-$v.pom" >/dev/null 2>&1 && found=$v
        done ;;
      go)
        # The proxy can list a version whose zip it refuses (403): download it to know.
        registry="the Go module proxy" found=${BINDINGS_GO_CDK:-}
        for v in $candidates; do
          [ -n "$found" ] && break
          go mod download "$GO_CDK_MODULE@v$v" >/dev/null 2>&1 && found=$v
        done ;;
    esac
    [ -n "$found" ] || { echo "no aws-cdk-lib version <= $wanted found on $registry"; return 1; }
    if [ "$found" != "$wanted" ]; then
      echo ">> NOTE: the $lang binding runs on aws-cdk-lib $found: $registry does not have $wanted, which TypeScript uses; it is compared with the TypeScript example synthesized on $found"
      [ "${BINDINGS_EXACT_CDK:-}" != 1 ] || { echo "BINDINGS_EXACT_CDK=1: not falling back"; return 1; }
    fi
    echo "CDKV_$lang=$found" >>"$WORK/versions.env"
  done
  echo ">> aws-cdk-lib $wanted for typescript; $(sed -n 's/^CDKV_\(.*\)=\(.*\)/\2 for \1/p' "$WORK/versions.env" | paste -sd, | sed 's/,/, /g'); constructs $constructs"
}

# ---------------------------------------------------------------------------------------------
synth_typescript() {
  rm -rf "$OUT/typescript"
  CDK_OUTDIR="$OUT/typescript" npx ts-node --project tsconfig.dev.json examples/app.ts | tee "$LOGS/typescript.out"
  echo ">> $(head -1 "$LOGS/typescript.out")"
}

# The TypeScript example on another aws-cdk-lib version: copies of src/ and examples/ next to their
# own node_modules (aws-cdk-lib@$1, constructs), so that they resolve that version.
synth_typescript_on() {
  local v=$1 dir=$WORK/ts-$1
  if [ "$(node -p "try { require('./$dir/node_modules/aws-cdk-lib/package.json').version } catch { '' }")" != "$v" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    # A package.json makes $dir npm's project root, and a name of its own keeps jest from warning.
    echo "{ \"name\": \"bindings-typescript-reference-$v\", \"private\": true }" >"$dir/package.json"
    (cd "$dir" && npm install --no-package-lock --ignore-scripts "aws-cdk-lib@$v" "constructs@$CONSTRUCTS")
  fi
  rm -rf "$dir/src" "$dir/examples" "$OUT/typescript-$v"
  mkdir -p "$dir/examples"
  cp -r src "$dir/src"
  cp -r examples/app.ts examples/example-stack.ts examples/worker "$dir/examples/"
  # Transpile only: type checking is the main TypeScript synth's job; this one is a reference.
  CDK_OUTDIR="$OUT/typescript-$v" TS_NODE_TRANSPILE_ONLY=true \
    npx ts-node --project tsconfig.dev.json "$dir/examples/app.ts" | tee "$LOGS/typescript-$v.out"
  echo ">> $(head -1 "$LOGS/typescript-$v.out")"
}

# ---------------------------------------------------------------------------------------------
# Python: the wheel as `npx projen package:python` builds it; a venv with the wheel and what
# examples/python/requirements.txt asks for.
package_python() {
  rm -rf dist/python
  npx jsii-pacmak --targets python -o dist
  echo ">> $(ls dist/python/*.whl)"
}

python_install() {
  local venv=$WORK/venv wheel
  wheel=$(ls dist/python/*.whl)
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" uninstall -q -y cdk-fargate-fan-out >/dev/null 2>&1 || true
  # requirements.txt with aws-cdk-lib at the chosen version and without cdk-fargate-fan-out (the wheel).
  grep -v '^cdk-fargate-fan-out' examples/python/requirements.txt \
    | sed "s/^aws-cdk-lib==.*/aws-cdk-lib==${CDKV[python]}/" >"$WORK/requirements.txt"
  # --no-compile: byte-compiling all of aws-cdk-lib takes ~30 s; the app compiles what it imports.
  if [ "${CDKV[python]}" = "$WANTED" ]; then
    "$venv/bin/pip" install -q --no-compile "$wheel" -r "$WORK/requirements.txt"
  else
    # The wheel requires aws-cdk-lib>=$WANTED, which PyPI lacks: install it without dependencies.
    "$venv/bin/pip" install -q --no-compile -r "$WORK/requirements.txt"
    "$venv/bin/pip" install -q --no-compile --no-deps "$wheel"
    "$venv/bin/pip" check || echo "(expected: the wheel asks for aws-cdk-lib>=$WANTED)"
  fi
  "$venv/bin/pip" list 2>/dev/null | grep -iE '^(aws-cdk-lib|constructs|jsii|cdk-fargate-fan-out) ' | sed 's/^/>> /'
}

synth_python() {
  rm -rf "$OUT/python"
  CDK_OUTDIR="$ROOT/$OUT/python" "$WORK/venv/bin/python" examples/python/app.py | tee "$LOGS/python.out"
  echo ">> $(head -1 "$LOGS/python.out")"
}

# ---------------------------------------------------------------------------------------------
# Java: the sources jsii-pacmak generates, built by the Maven deploy its java target runs, with
# aws-cdk-lib pinned to the chosen version (pacmak's own build resolves the version ranges first,
# and [x,3.0.0) has no match where Maven Central lacks x), without javadoc and sources jars; then
# installed into the local Maven repository, where examples/java finds it like any dependency.
package_java() {
  local src=$WORK/java-src pom jar
  rm -rf dist/java "$src"
  npx jsii-pacmak --targets java --code-only -o "$src"
  sed -i "/<artifactId>aws-cdk-lib<\/artifactId>/{n;s#<version>[^<]*</version>#<version>${CDKV[java]}</version>#}" "$src/java/pom.xml"
  grep -q "<version>${CDKV[java]}</version>" "$src/java/pom.xml"
  (cd "$src/java" && mvn -B -q -Dstyle.color=never deploy -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
    -DaltDeploymentRepository="local::default::file://$ROOT/dist/java")
  pom=$(find dist/java -name 'cdk-fargate-fan-out-*.pom' | head -1)
  jar=${pom%.pom}.jar
  [ -f "$jar" ] || { echo "no jar next to '$pom'"; return 1; }
  mvn -B -q -Dstyle.color=never install:install-file -Dfile="$jar" -DpomFile="$pom"
  echo ">> $jar ($(du -k "$jar" | cut -f1) KB), installed into the local Maven repository"
}

synth_java() {
  local version
  version=$(node -p "require('./package.json').version")
  rm -rf "$OUT/java"
  (cd examples/java && CDK_OUTDIR="$ROOT/$OUT/java" mvn -B -q -Dstyle.color=never compile exec:java \
    -Dcdk.version="${CDKV[java]}" -Dconstructs.version="$CONSTRUCTS" -Dfan-out.version="$version" \
    -Dbuild.dir="$ROOT/$WORK/java-target") | tee "$LOGS/java.out"
  echo ">> $(grep -m1 -o 'Synthesized .*' "$LOGS/java.out")"
}

# ---------------------------------------------------------------------------------------------
# Go: the module jsii-pacmak generates (its own go build needs the aws-cdk-go version the proxy may
# lack, so --code-only), used by a copy of examples/go through a replace directive.
package_go() {
  rm -rf dist/go
  npx jsii-pacmak --targets go --code-only -o dist
  echo ">> dist/go/cdkfargatefanout: module $(sed -n 's/^module //p' dist/go/cdkfargatefanout/go.mod)"
}

go_build() {
  local app=$WORK/go-app
  rm -rf "$app"
  mkdir -p "$app"
  cp examples/go/main.go examples/go/go.mod "$app/"
  cd "$app"
  go mod edit -replace "$GO_MODULE=$ROOT/dist/go/cdkfargatefanout"
  [ "${CDKV[go]}" = "$WANTED" ] || go mod edit -replace "$GO_CDK_MODULE=$GO_CDK_MODULE@v${CDKV[go]}"
  go mod tidy
  go build -o app .
}

synth_go() {
  rm -rf "$OUT/go"
  (cd examples/go && CDK_OUTDIR="$ROOT/$OUT/go" "$ROOT/$WORK/go-app/app") | tee "$LOGS/go.out"
  echo ">> $(head -1 "$LOGS/go.out")"
}

# ---------------------------------------------------------------------------------------------
mkdir -p "$WORK"
rm -rf "$OUT" "$LOGS"
mkdir -p "$LOGS"

phase "preflight: tools, freshness, package contents, aws-cdk-lib versions" preflight
if [ "$PHASE_OK" != 1 ]; then
  printf '\nbindings: 0 passed, %d failed\n' "${#LANGS[@]}"
  exit 1
fi
# shellcheck disable=SC1091
source "$WORK/versions.env"
for lang in "${LANGS[@]}"; do
  v=CDKV_$lang
  CDKV[$lang]=${!v}
done

phase "typescript: synthesize examples/app.ts (aws-cdk-lib $WANTED)" synth_typescript
TS_OK=$PHASE_OK
for lang in "${LANGS[@]}"; do
  [ "$TS_OK" = 1 ] || fail_lang "$lang" "the TypeScript example did not synthesize"
done

for lang in "${LANGS[@]}"; do
  case $lang in
    python)
      phase "python: build the wheel (jsii-pacmak)" package_python
      [ "$PHASE_OK" = 1 ] || { fail_lang python "the wheel did not build"; continue; }
      phase "python: venv, pip install the wheel + aws-cdk-lib ${CDKV[python]}" python_install
      [ "$PHASE_OK" = 1 ] || { fail_lang python "pip install failed"; continue; }
      phase "python: synthesize examples/python/app.py" synth_python
      [ "$PHASE_OK" = 1 ] || fail_lang python "examples/python/app.py failed"
      ;;
    java)
      phase "java: build the jar (jsii-pacmak sources, mvn), install it" package_java
      [ "$PHASE_OK" = 1 ] || { fail_lang java "the jar did not build"; continue; }
      phase "java: compile and run examples/java (mvn, aws-cdk-lib ${CDKV[java]})" synth_java
      [ "$PHASE_OK" = 1 ] || fail_lang java "examples/java failed"
      ;;
    go)
      phase "go: generate the module (jsii-pacmak)" package_go
      [ "$PHASE_OK" = 1 ] || { fail_lang go "the module was not generated"; continue; }
      phase "go: build examples/go (aws-cdk-go ${CDKV[go]})" go_build
      [ "$PHASE_OK" = 1 ] || { fail_lang go "examples/go did not build"; continue; }
      phase "go: synthesize examples/go" synth_go
      [ "$PHASE_OK" = 1 ] || fail_lang go "examples/go failed"
      ;;
  esac
done

# Each binding's reference: the TypeScript template on the same aws-cdk-lib version.
declare -A SYNTHESIZED # aws-cdk-lib version -> 1/0
for lang in "${LANGS[@]}"; do
  v=${CDKV[$lang]}
  if [ "$v" = "$WANTED" ]; then
    REF[$lang]=$OUT/typescript/$STACK.template.json REFLABEL[$lang]=typescript
    continue
  fi
  REF[$lang]=$OUT/typescript-$v/$STACK.template.json REFLABEL[$lang]=typescript@$v
  ok "$lang" || continue
  if [ -z "${SYNTHESIZED[$v]:-}" ]; then
    phase "typescript: synthesize examples/app.ts on aws-cdk-lib $v (the reference for $lang)" synth_typescript_on "$v"
    SYNTHESIZED[$v]=$PHASE_OK
  fi
  [ "${SYNTHESIZED[$v]}" = 1 ] || fail_lang "$lang" "the TypeScript example did not synthesize on aws-cdk-lib $v"
done

printf '== compare templates (scripts/compare-templates.js)\n'
t0=$EPOCHREALTIME
for lang in "${LANGS[@]}"; do
  ok "$lang" || continue
  set +e
  node scripts/compare-templates.js "${REFLABEL[$lang]}=${REF[$lang]}" "$lang=$OUT/$lang/$STACK.template.json" \
    >"$LOGS/compare-$lang.log" 2>&1
  rc=$?
  set -e
  sed 's/^/   /' "$LOGS/compare-$lang.log"
  [ $rc -eq 0 ] || fail_lang "$lang" "its template differs from the TypeScript example's"
done
# Not a test: what the aws-cdk-lib version alone changes in the TypeScript example's template.
for v in "${!SYNTHESIZED[@]}"; do
  [ "${SYNTHESIZED[$v]}" = 1 ] && [ "$TS_OK" = 1 ] || continue
  echo "   note (not a test): the TypeScript example on aws-cdk-lib $v vs $WANTED, what the version alone changes:"
  node scripts/compare-templates.js --info "typescript@$WANTED=$OUT/typescript/$STACK.template.json" \
    "typescript@$v=$OUT/typescript-$v/$STACK.template.json" 2>&1 | sed 's/^/     /' | head -12 || true
done
TIMINGS+=("$(printf '%7.1fs  %s' "$(secs_since "$t0")" "compare templates")")

echo
echo "timings:"
printf '%s\n' "${TIMINGS[@]}"
printf '%7.1fs  total\n' "$(secs_since "$T_START")"

echo
passed=0 failed=0
for lang in "${LANGS[@]}"; do
  echo "$lang: ${RESULT[$lang]:-passed}"
  if ok "$lang"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "bindings: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
