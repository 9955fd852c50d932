#!/usr/bin/env bash
# Proves that the packages install the way users install them, and work: each is built from the
# compiled assembly (.jsii), installed into a fresh project with its language's own installer, and
# runs the same app (examples/bindings-app.ts: the example stack, a stack with the main features,
# and a planner report) as written in that language; each template must equal the TypeScript
# app's, synthesized from src/ on the same aws-cdk-lib version, and each report the TypeScript one.
#
#   typescript  the npm tarball (`npm pack` of the build, dist/js/*.tgz) in a fresh TypeScript app
#               with aws-cdk-lib at the declared minimum (package.json's peer dependency), compiled
#               with tsc against the package's .d.ts files and run with node;
#   python      the wheel (dist/python/*.whl) by a plain `pip install <wheel>` into a fresh venv (it
#               also runs the README's Python quick start, examples/python/quickstart/app.py):
#               its dependencies (aws-cdk-lib, constructs, jsii) come from PyPI as the wheel's
#               metadata asks, so it runs on the newest aws-cdk-lib that PyPI has;
#   java        the jar, installed into the local Maven repository with the pom jsii-pacmak
#               generates (unchanged: aws-cdk-lib [min,3.0.0)), used by examples/java, which pins
#               aws-cdk-lib in dependencyManagement as a Java user must (see examples/java/pom.xml);
#   go          the module jsii-pacmak generates (dist/go), used by a copy of examples/go through a
#               replace directive (the published module lives in its own repository).
# Renaming or retyping a prop fails here: tsc and the Java and Go compilers refuse the app, and
# Python raises TypeError. A package that cannot be installed as published fails here too.
#
# Run from the repo root after `npm ci && npx projen compile`:   bash scripts/test-bindings.sh
# Needs node, python3 (with venv), java 11+ and mvn, go 1.26+; reaches npm, PyPI, Maven Central and
# the Go module proxy. What it makes goes to dist/ (the packages) and .tmp/bindings/ (apps, venv,
# templates, logs); the jar is also installed into the local Maven repository (~/.m2) by
# install:install-file, replacing the copy of an earlier run.
# Prints the time of each phase, and last "bindings: N passed, N failed" (one test per package).
#
# Building the jar: jsii-pacmak's own Maven build resolves the pom's version ranges, which fails
# while the registry's metadata lags behind the aws-cdk-lib versions it serves; so the jar is
# compiled from a copy of the generated project with aws-cdk-lib fixed at the version examples/java
# pins, and installed with the generated pom itself, which is what users' Maven reads.
#
# Environment:
#   BINDINGS_LANGS="typescript python java go"  the packages to test (the default: all four)
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
STACKS=(FargateFanOutExample FargateFanOutFeatures)
REPORT_MARK='--- FanOutPlanner.report'
GO_CDK_MODULE=github.com/aws/aws-cdk-go/awscdk/v2
GO_MODULE=github.com/cdk-fargate-fan-out/cdk-fargate-fan-out-go/cdkfargatefanout
read -r -a LANGS <<<"${BINDINGS_LANGS:-typescript python java go}"
LANGS=(${LANGS[@]//,/ })

T_START=$EPOCHREALTIME
TIMINGS=()
declare -A RESULT   # package -> "passed" or "failed: why"
declare -A CDKV     # package -> the aws-cdk-lib version its app ran on

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
  local tools=(node npx) lang
  for lang in "${LANGS[@]}"; do
    case $lang in
      typescript) ;;
      python) tools+=(python3) ;;
      java) tools+=(java mvn) ;;
      go) tools+=(go) ;;
      *) echo "unknown package '$lang' in BINDINGS_LANGS (typescript, python, java, go)"; return 1 ;;
    esac
  done
  for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool"; return 1; }
  done

  [ -f .jsii ] || { echo "no .jsii: run 'npx projen compile' first"; return 1; }
  # The packages are made from .jsii and the reference runs src/ itself: both must be the same
  # code, or the comparison reports the difference between them.
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

  # The docs' snippets are copied from the examples' regions ([usage], [features], [planner],
  # [pin]): examples/BINDINGS.md must hold each as it is (a prop renamed in an example is renamed
  # in the docs too).
  node -e '
    const fs = require("fs");
    // Compared line by line without indentation: a snippet may be shown dedented.
    const flat = (text) => text.split("\n").map((line) => line.trim()).join("\n");
    const doc = flat(fs.readFileSync("examples/BINDINGS.md", "utf8"));
    let stale = 0;
    for (const spec of process.argv.slice(1)) {
      const [file, ...names] = spec.split(":");
      const text = fs.readFileSync(file, "utf8");
      for (const name of names) {
        const m = text.match(new RegExp(`\\[${name}\\][^\\n]*\\n([\\s\\S]*?)\\n[^\\n]*\\[/${name}\\]`));
        const region = m ? m[1].replace(/^\s*\n|\s+$/g, "") : undefined;
        if (!region) {
          console.log(`${file} has no [${name}] region`);
          stale++;
        } else if (!doc.includes(flat(region))) {
          console.log(`examples/BINDINGS.md does not hold the [${name}] region of ${file} as it is: copy it again`);
          stale++;
        }
      }
    }
    process.exit(stale ? 1 : 0);' \
    examples/python/app.py:usage:features:planner \
    examples/java/src/main/java/io/github/cdkfargatefanout/example/ExampleApp.java:usage:planner \
    examples/java/src/main/java/io/github/cdkfargatefanout/example/FeaturesStack.java:features \
    examples/java/pom.xml:pin \
    examples/go/main.go:usage:features:planner

  # The README's Python quick start is examples/python/quickstart/app.py, which the python phase
  # runs against the wheel: the block after its marker must be the file, byte for byte.
  node -e '
    const fs = require("fs");
    const file = "examples/python/quickstart/app.py";
    const readme = fs.readFileSync("README.md", "utf8");
    const m = readme.match(/<!-- examples\/python\/quickstart\/app\.py -->\n```python\n([\s\S]*?)```\n/);
    if (!m) { console.log(`README.md has no python block after <!-- ${file} -->`); process.exit(1); }
    if (m[1] !== fs.readFileSync(file, "utf8")) {
      console.log(`README.md does not hold ${file} as it is: copy the file into the block after its marker`);
      process.exit(1);
    }'

  MIN=$(node -p "require('semver').minVersion(require('./package.json').peerDependencies['aws-cdk-lib']).version")
  DEV=$(node -p "require('aws-cdk-lib/package.json').version")
  CONSTRUCTS=$(node -p "require('constructs/package.json').version")
  printf 'MIN=%s\nDEV=%s\nCONSTRUCTS=%s\n' "$MIN" "$DEV" "$CONSTRUCTS" >"$WORK/versions.env"
  echo ">> aws-cdk-lib: declared minimum $MIN (peer dependency), development $DEV; constructs $CONSTRUCTS"
}

# ---------------------------------------------------------------------------------------------
# The reference: examples/bindings-app.ts from src/, on the development aws-cdk-lib ...
synth_reference() {
  rm -rf "$OUT/reference-$DEV"
  CDK_OUTDIR="$OUT/reference-$DEV" npx ts-node --project tsconfig.dev.json examples/bindings-app.ts \
    | tee "$LOGS/reference-$DEV.out"
  echo ">> $(head -1 "$LOGS/reference-$DEV.out")"
}

# ... and on another version: copies of src/ and examples/ next to their own node_modules
# (aws-cdk-lib@$1, constructs), so that they resolve that version.
synth_reference_on() {
  local v=$1 dir=$WORK/reference-src-$1
  if [ "$(node -p "try { require('./$dir/node_modules/aws-cdk-lib/package.json').version } catch { '' }")" != "$v" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    # A package.json makes $dir npm's project root.
    echo "{ \"name\": \"bindings-reference-$v\", \"private\": true }" >"$dir/package.json"
    (cd "$dir" && npm install --no-package-lock --ignore-scripts --loglevel=error "aws-cdk-lib@$v" "constructs@$CONSTRUCTS")
  fi
  rm -rf "$dir/src" "$dir/examples" "$OUT/reference-$v"
  cp -r src examples "$dir/"
  # Transpile only: type checking is the main synth's job; this one is a reference.
  CDK_OUTDIR="$OUT/reference-$v" TS_NODE_TRANSPILE_ONLY=true \
    npx ts-node --project tsconfig.dev.json "$dir/examples/bindings-app.ts" | tee "$LOGS/reference-$v.out"
  echo ">> $(head -1 "$LOGS/reference-$v.out")"
}

# ---------------------------------------------------------------------------------------------
# TypeScript: the tarball `npx projen package:js` makes, in a fresh app as a TypeScript user sets
# one up: `npm install` of the tarball, aws-cdk-lib at the declared minimum, constructs,
# typescript and @types/node; the app's files are examples/bindings-app.ts and the stacks it
# uses, importing 'cdk-fargate-fan-out' instead of '../src'.
package_typescript() {
  rm -rf dist/js
  npx jsii-pacmak --targets js -o dist
  echo ">> $(ls dist/js/*.tgz)"
  carries_no_runtime_dependency "$(ls dist/js/*.tgz)"
}

# The library has no runtime dependency besides its peers (aws-cdk-lib, constructs): no package it
# builds, nor the npm tarball jsii-pacmak embeds in the wheel and the jar, carries node_modules/
# (bundled dependencies) or the AWS SDK, which lives in the CLI package (cli/).
carries_no_runtime_dependency() { # archive: .tgz, .whl or .jar
  local archive=$1 inner listing found
  case $archive in
    *.tgz) listing=$(tar -tzf "$archive") || return 1 ;;
    *)
      inner=$(unzip -Z1 "$archive" | grep '\.tgz$' | head -1 || true)
      [ -n "$inner" ] || { echo "no embedded npm tarball in $(basename "$archive")"; return 1; }
      listing=$(unzip -p "$archive" "$inner" | tar -tz) || return 1
      ;;
  esac
  found=$(grep -E 'node_modules/|aws-sdk' <<<"$listing" | head -3 | tr '\n' ' ' || true)
  [ -z "$found" ] || { echo "$(basename "$archive") carries dependencies: $found"; return 1; }
  echo ">> $(basename "$archive")${inner:+ ($inner)}: no node_modules/, no AWS SDK"
}

typescript_install() {
  local app=$WORK/ts-app tgz ts types
  tgz=$(ls "$ROOT"/dist/js/*.tgz)
  ts=$(node -p "require('typescript/package.json').version")
  types=$(node -p "require('@types/node/package.json').version")
  rm -rf "$app"
  mkdir -p "$app"
  echo '{ "name": "fan-out-typescript-app", "private": true }' >"$app/package.json"
  (cd "$app" && npm install --loglevel=error "$tgz" "aws-cdk-lib@$MIN" "constructs@^$CONSTRUCTS" \
    "typescript@$ts" "@types/node@$types")
  cp examples/bindings-app.ts examples/example-stack.ts examples/features-stack.ts "$app/"
  cp -r examples/worker "$app/worker"
  sed -i "s#from '../src'#from 'cdk-fargate-fan-out'#" "$app"/*.ts
  if grep -n "\.\./src" "$app"/*.ts; then echo "the app still imports ../src"; return 1; fi
  cat >"$app/tsconfig.json" <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "commonjs", "strict": true, "esModuleInterop": true },
  "files": ["bindings-app.ts"] }
JSON
  (cd "$app" && npx tsc -p tsconfig.json)
  CDKV[typescript]=$(node -p "require('./$app/node_modules/aws-cdk-lib/package.json').version")
  echo ">> cdk-fargate-fan-out $(node -p "require('./$app/node_modules/cdk-fargate-fan-out/package.json').version") from $(basename "$tgz"), aws-cdk-lib ${CDKV[typescript]}, compiled with tsc $ts"
}

synth_typescript() {
  rm -rf "$OUT/typescript"
  (cd "$WORK/ts-app" && CDK_OUTDIR="$ROOT/$OUT/typescript" node bindings-app.js) | tee "$LOGS/typescript.out"
  echo ">> $(head -1 "$LOGS/typescript.out")"
}

# ---------------------------------------------------------------------------------------------
# Python: the wheel as `npx projen package:python` builds it, then `pip install <wheel>` into a
# fresh venv, nothing else: pip takes the dependencies from the wheel's metadata and PyPI.
package_python() {
  rm -rf dist/python
  npx jsii-pacmak --targets python -o dist
  echo ">> $(ls dist/python/*.whl)"
  carries_no_runtime_dependency "$(ls dist/python/*.whl)"
}

python_install() {
  local venv=$WORK/venv wheel
  wheel=$(ls dist/python/*.whl)
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install "$wheel"
  "$venv/bin/pip" check
  CDKV[python]=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("aws-cdk-lib"))')
  echo ">> requires: $(unzip -p "$wheel" '*.dist-info/METADATA' | sed -n 's/^Requires-Dist: //p' | paste -sd, | sed 's/,/, /g')"
  echo ">> installed: $("$venv/bin/pip" list 2>/dev/null | grep -iE '^(aws-cdk-lib|constructs|jsii|cdk-fargate-fan-out) ' | awk '{ print $1 " " $2 }' | paste -sd, | sed 's/,/, /g')"
}

synth_python() {
  rm -rf "$OUT/python"
  CDK_OUTDIR="$ROOT/$OUT/python" "$WORK/venv/bin/python" examples/python/app.py | tee "$LOGS/python.out"
  echo ">> $(head -1 "$LOGS/python.out")"
}

# The README's Python quick start, as a user lays it out: app.py beside the worker/ folder, run
# with the venv's python from that folder (as `cdk synth` would); it must synthesize the fan-out
# and the two outputs the README's next steps use.
synth_python_quickstart() {
  local app=$WORK/py-quickstart
  rm -rf "$app" "$OUT/python-quickstart"
  mkdir -p "$app"
  cp examples/python/quickstart/app.py examples/python/quickstart/cdk.json "$app/"
  cp -r examples/worker "$app/worker"
  (cd "$app" && CDK_OUTDIR="$ROOT/$OUT/python-quickstart" "$ROOT/$WORK/venv/bin/python" app.py)
  node -e '
    const t = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const types = Object.values(t.Resources).map((r) => r.Type);
    const want = ["AWS::StepFunctions::StateMachine", "AWS::ECS::TaskDefinition"];
    const missing = want.filter((w) => !types.includes(w));
    const outputs = Object.keys(t.Outputs ?? {});
    const lacking = ["StateMachineArn", "ResultBucket"].filter((o) => !outputs.includes(o));
    if (missing.length || lacking.length) {
      console.log(`the quick start template lacks ${[...missing, ...lacking.map((o) => "output " + o)].join(", ")}`);
      process.exit(1);
    }
    console.log(`>> Thumbnails: ${types.length} resources, outputs ${outputs.join(", ")}`);' "$OUT/python-quickstart/Thumbnails.template.json"
}

# ---------------------------------------------------------------------------------------------
# Java: the sources jsii-pacmak generates; the jar compiled from a copy of them with aws-cdk-lib
# fixed at the version examples/java pins (see the header), without javadoc and sources jars;
# installed into the local Maven repository with the generated pom, unchanged, where examples/java
# finds it like any dependency.
package_java() {
  local src=$WORK/java-src build=$WORK/java-build pin jar
  rm -rf "$src" "$build"
  npx jsii-pacmak --targets java --code-only -o "$src"
  pin=$(java_pin)
  cp -r "$src/java" "$build"
  sed -i "/<artifactId>aws-cdk-lib<\/artifactId>/{n;s#<version>[^<]*</version>#<version>$pin</version>#}" "$build/pom.xml"
  grep -q "<version>$pin</version>" "$build/pom.xml"
  (cd "$build" && mvn -B -q -Dstyle.color=never package -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -Dgpg.skip=true)
  jar=$(ls "$build"/target/cdk-fargate-fan-out-*.jar | grep -v -e sources -e javadoc | head -1)
  [ -f "$jar" ] || { echo "no jar in $build/target"; return 1; }
  carries_no_runtime_dependency "$jar" || return 1
  mvn -B -q -Dstyle.color=never install:install-file -Dfile="$jar" -DpomFile="$src/java/pom.xml"
  echo ">> $(basename "$jar") ($(du -k "$jar" | cut -f1) KB), installed with the generated pom: aws-cdk-lib $(grep -A1 '<artifactId>aws-cdk-lib</artifactId>' "$src/java/pom.xml" | sed -n 's#.*<version>\(.*\)</version>.*#\1#p')"
}

# The aws-cdk-lib version examples/java pins in dependencyManagement.
java_pin() {
  node -e '
    const pom = require("fs").readFileSync("examples/java/pom.xml", "utf8");
    const m = pom.match(/<dependencyManagement>[\s\S]*?<artifactId>aws-cdk-lib<\/artifactId>\s*<version>([^<]+)<\/version>/);
    if (!m) { console.error("examples/java/pom.xml pins no aws-cdk-lib in dependencyManagement"); process.exit(1); }
    console.log(m[1]);'
}

synth_java() {
  local version
  version=$(node -p "require('./package.json').version")
  CDKV[java]=$(java_pin)
  rm -rf "$OUT/java"
  (cd examples/java && CDK_OUTDIR="$ROOT/$OUT/java" mvn -B -q -Dstyle.color=never compile exec:java \
    -Dconstructs.version="$CONSTRUCTS" -Dfan-out.version="$version" \
    -Dbuild.dir="$ROOT/$WORK/java-target") | tee "$LOGS/java.out"
  echo ">> $(grep -m1 -o 'Synthesized .*' "$LOGS/java.out")"
}

# ---------------------------------------------------------------------------------------------
# Go: the module jsii-pacmak generates (its own go build would fetch the published module's
# dependencies the same way; --code-only keeps it to generating), used by a copy of examples/go
# through a replace directive.
package_go() {
  rm -rf dist/go
  npx jsii-pacmak --targets go --code-only -o dist
  echo ">> dist/go/cdkfargatefanout: module $(sed -n 's/^module //p' dist/go/cdkfargatefanout/go.mod), requires $(grep "$GO_CDK_MODULE " dist/go/cdkfargatefanout/go.mod | awk '{ print $1 " " $2 }')"
}

go_build() {
  local app=$WORK/go-app
  rm -rf "$app"
  mkdir -p "$app"
  cp examples/go/main.go examples/go/go.mod "$app/"
  cd "$app"
  go mod edit -replace "$GO_MODULE=$ROOT/dist/go/cdkfargatefanout"
  go mod tidy
  go build -o app .
  CDKV[go]=$(go list -m -f '{{.Version}}' "$GO_CDK_MODULE" | sed 's/^v//')
  echo ">> aws-cdk-go ${CDKV[go]}"
}

synth_go() {
  rm -rf "$OUT/go"
  (cd examples/go && CDK_OUTDIR="$ROOT/$OUT/go" "$ROOT/$WORK/go-app/app") | tee "$LOGS/go.out"
  echo ">> $(head -1 "$LOGS/go.out")"
}

# ---------------------------------------------------------------------------------------------
# Phases run in subshells: what they learn (CDKV) is passed back through files.
save_cdkv() { echo "${CDKV[$1]:-}" >"$ROOT/$WORK/cdkv-$1"; }
in_phase() { local lang=$1; shift; "$@"; save_cdkv "$lang"; }

mkdir -p "$WORK"
rm -rf "$OUT" "$LOGS" "$WORK"/cdkv-*
mkdir -p "$LOGS"

phase "preflight: tools, freshness, package contents, docs snippets (BINDINGS.md, the README's Python quick start), versions" preflight
if [ "$PHASE_OK" != 1 ]; then
  printf '\nbindings: 0 passed, %d failed\n' "${#LANGS[@]}"
  exit 1
fi
# shellcheck disable=SC1091
source "$WORK/versions.env"

phase "reference: examples/bindings-app.ts from src/ (aws-cdk-lib $DEV)" synth_reference
declare -A REFERENCE # aws-cdk-lib version -> 1 (synthesized) / 0 (failed)
REFERENCE[$DEV]=$PHASE_OK

for lang in "${LANGS[@]}"; do
  case $lang in
    typescript)
      phase "typescript: npm pack (jsii-pacmak --targets js)" package_typescript
      [ "$PHASE_OK" = 1 ] || { fail_lang typescript "the tarball was not built"; continue; }
      phase "typescript: fresh app, npm install the tarball + aws-cdk-lib $MIN, tsc" in_phase typescript typescript_install
      [ "$PHASE_OK" = 1 ] || { fail_lang typescript "npm install or tsc failed"; continue; }
      phase "typescript: run the app" synth_typescript
      [ "$PHASE_OK" = 1 ] || fail_lang typescript "the app failed"
      ;;
    python)
      phase "python: build the wheel (jsii-pacmak)" package_python
      [ "$PHASE_OK" = 1 ] || { fail_lang python "the wheel did not build"; continue; }
      phase "python: fresh venv, pip install <wheel>" in_phase python python_install
      [ "$PHASE_OK" = 1 ] || { fail_lang python "pip install failed"; continue; }
      phase "python: run examples/python/app.py" synth_python
      [ "$PHASE_OK" = 1 ] || fail_lang python "examples/python/app.py failed"
      phase "python: run the README's quick start (examples/python/quickstart/app.py)" synth_python_quickstart
      [ "$PHASE_OK" = 1 ] || fail_lang python "the README's Python quick start failed"
      ;;
    java)
      phase "java: build the jar, install it with the generated pom" package_java
      [ "$PHASE_OK" = 1 ] || { fail_lang java "the jar did not build"; continue; }
      phase "java: compile and run examples/java (mvn, aws-cdk-lib pinned in dependencyManagement)" in_phase java synth_java
      [ "$PHASE_OK" = 1 ] || fail_lang java "examples/java failed"
      ;;
    go)
      phase "go: generate the module (jsii-pacmak)" package_go
      [ "$PHASE_OK" = 1 ] || { fail_lang go "the module was not generated"; continue; }
      phase "go: build examples/go" in_phase go go_build
      [ "$PHASE_OK" = 1 ] || { fail_lang go "examples/go did not build"; continue; }
      phase "go: run examples/go" synth_go
      [ "$PHASE_OK" = 1 ] || fail_lang go "examples/go failed"
      ;;
  esac
  [ -f "$WORK/cdkv-$lang" ] && CDKV[$lang]=$(cat "$WORK/cdkv-$lang")
done

# Each package's reference: the TypeScript app from src/ on the same aws-cdk-lib version.
for lang in "${LANGS[@]}"; do
  ok "$lang" || continue
  v=${CDKV[$lang]:-}
  [ -n "$v" ] || { fail_lang "$lang" "its aws-cdk-lib version is unknown"; continue; }
  if [ -z "${REFERENCE[$v]:-}" ]; then
    phase "reference: examples/bindings-app.ts from src/ on aws-cdk-lib $v (for $lang)" synth_reference_on "$v"
    REFERENCE[$v]=$PHASE_OK
  fi
  [ "${REFERENCE[$v]}" = 1 ] || fail_lang "$lang" "the TypeScript reference did not synthesize on aws-cdk-lib $v"
done

printf '== compare templates (scripts/compare-templates.js) and planner reports\n'
t0=$EPOCHREALTIME
# (Maven's output ends with a color reset code even with -Dstyle.color=never: drop codes and blank lines.)
report_of() { sed 's/\x1b\[[0-9;]*m//g' "$1" | sed -n "/^$REPORT_MARK\$/,\$p" | grep -v '^[[:space:]]*$'; }
report_of "$LOGS/reference-$DEV.out" >"$LOGS/report-reference.txt"
for lang in "${LANGS[@]}"; do
  ok "$lang" || continue
  v=${CDKV[$lang]}
  echo "   $lang (aws-cdk-lib $v) vs the TypeScript app from src/ on aws-cdk-lib $v:"
  for stack in "${STACKS[@]}"; do
    set +e
    node scripts/compare-templates.js "typescript-src@$v=$OUT/reference-$v/$stack.template.json" \
      "$lang=$OUT/$lang/$stack.template.json" >"$LOGS/compare-$lang-$stack.log" 2>&1
    rc=$?
    set -e
    sed "s/^/     $stack: /" "$LOGS/compare-$lang-$stack.log" | head -30
    [ $rc -eq 0 ] || fail_lang "$lang" "its $stack template differs from the TypeScript app's"
  done
  report_of "$LOGS/$lang.out" >"$LOGS/report-$lang.txt"
  if [ "$(wc -l <"$LOGS/report-reference.txt")" -gt 3 ] && cmp -s "$LOGS/report-reference.txt" "$LOGS/report-$lang.txt"; then
    echo "     FanOutPlanner.report: same $(($(wc -l <"$LOGS/report-$lang.txt") - 1)) lines as TypeScript's"
  else
    echo "     FanOutPlanner.report differs from TypeScript's (or is missing):"
    diff "$LOGS/report-reference.txt" "$LOGS/report-$lang.txt" | head -20 | sed 's/^/       /' || true
    fail_lang "$lang" "its planner report differs from the TypeScript app's"
  fi
done
TIMINGS+=("$(printf '%7.1fs  %s' "$(secs_since "$t0")" "compare templates and reports")")

echo
echo "timings:"
printf '%s\n' "${TIMINGS[@]}"
printf '%7.1fs  total\n' "$(secs_since "$T_START")"

echo
passed=0 failed=0
for lang in "${LANGS[@]}"; do
  echo "$lang: ${RESULT[$lang]:-passed}${CDKV[$lang]:+ (aws-cdk-lib ${CDKV[$lang]})}"
  if ok "$lang"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "bindings: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
