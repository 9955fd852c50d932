#!/usr/bin/env bash
# Proves that the declared minimum aws-cdk-lib (the peer dependency in package.json, which jsii
# also writes into the Python, Java, .NET and Go packages) works, while development and
# `npx projen build` use the newest (the devDependency). On the minimum it
#   1. type-checks src/, test/ and examples/ against the minimum's type definitions (a prop or
#      method that the minimum lacks fails here, before anything runs),
#   2. synthesizes the example app (examples/app.ts), and
#   3. runs the jest assertion suites: every test/*.test.ts file except the executed-workflow
#      suites (test/executed, test/harness), which simulate thousands of ECS tasks and take
#      minutes on 2 cores; they exercise the state machine the assertion suites already pin; and
#      the run report's suites (test/report), which read executed runs and use no CDK API; and the
#      LocalStack suites (test/localstack), which run the same definitions in a second interpreter
#      from the repository's own venv.
# The example's snapshot test ("matches the snapshot", test/example.test.ts) is left out here: the
# snapshot is recorded on the newest aws-cdk-lib, and newer releases render some resources
# differently by themselves (2.276.0 adds aws:SourceArn/aws:SourceAccount conditions to the state
# machine role's trust policy, which 2.269.0 does not), so on the minimum it would test
# aws-cdk-lib, not this library. The assertion tests around it run; and what the version alone
# changes in the example's template is printed after step 2 (not a test).
#
# How: copies of src/, test/ and examples/ in .tmp/min-cdk next to their own node_modules with
# aws-cdk-lib at the minimum, constructs, and cdk-nag (which must resolve the same aws-cdk-lib
# copy as the tests); everything else (jest, ts-jest, typescript, asl-validator) resolves from the
# repository's node_modules one level up. Nothing in the work tree changes.
#
# Run from the repo root after `npm ci`:   bash scripts/test-min-cdk.sh
# Prints "min-cdk: N passed, N failed" last (the three steps above).
set -uo pipefail
cd "$(dirname "$0")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

DIR=.tmp/min-cdk
# MIN_CDK_VERSION=x.y.z runs the same checks on another version (e.g. to see an older one fail).
MIN=${MIN_CDK_VERSION:-$(node -p "require('semver').minVersion(require('./package.json').peerDependencies['aws-cdk-lib']).version")}
DEV=$(node -p "require('aws-cdk-lib/package.json').version")
CONSTRUCTS=$(node -p "require('constructs/package.json').version")
NAG=$(node -p "require('cdk-nag/package.json').version")
passed=0 failed=0
step() { # name, rc
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "min-cdk: $1: ok"; else failed=$((failed + 1)); echo "min-cdk: $1: FAILED" >&2; fi
}
finish() {
  echo
  echo "min-cdk: $passed passed, $failed failed (aws-cdk-lib $MIN, the declared minimum; development uses $DEV)"
  [ "$failed" -eq 0 ]
  exit
}

echo "== aws-cdk-lib $MIN (minimum, from package.json's peerDependencies) vs $DEV (devDependency)"
if [ "$MIN" = "$DEV" ]; then
  echo "the minimum is the development version: the build's own tests cover it"
  finish
fi

installed() { node -p "try { require('./$DIR/node_modules/$1/package.json').version } catch { '' }"; }
if [ "$(installed aws-cdk-lib)" != "$MIN" ] || [ "$(installed constructs)" != "$CONSTRUCTS" ] || [ "$(installed cdk-nag)" != "$NAG" ]; then
  rm -rf "$DIR"
  mkdir -p "$DIR"
  # A package.json makes $DIR npm's project root; its own name keeps jest from a naming collision.
  echo '{ "name": "min-cdk-check", "private": true }' >"$DIR/package.json"
  if ! (cd "$DIR" && npm install --no-package-lock --ignore-scripts --loglevel=error \
    "aws-cdk-lib@$MIN" "constructs@$CONSTRUCTS" "cdk-nag@$NAG"); then
    step "npm install aws-cdk-lib@$MIN" 1
    finish
  fi
fi
# The copies below, and cdk-nag, must resolve the minimum, not the repository's aws-cdk-lib.
resolved() { node -p "require(require.resolve('aws-cdk-lib/package.json', { paths: ['$1'] })).version"; }
for from in "$DIR/test" "$DIR/node_modules/cdk-nag"; do
  mkdir -p "$from"
  [ "$(resolved "$from")" = "$MIN" ] || { step "aws-cdk-lib $MIN resolved from $from (got $(resolved "$from"))" 1; finish; }
done

rm -rf "$DIR/src" "$DIR/test" "$DIR/examples" "$DIR/cli" "$DIR/cdk.out" "$DIR/cdk.out-dev"
cp -r src test examples tsconfig.json tsconfig.dev.json "$DIR/"
# The executed-run helpers read item records the way the CLI's report does (cli/src/report), and the
# CLI imports the library as `cdk-fargate-fan-out/lib/...`, which tsconfig.dev.json's paths and the
# jest config below map to src/.
mkdir -p "$DIR/cli" && cp -r cli/src "$DIR/cli/"
# The type check covers what runs below, not the repository's other TypeScript (.projenrc.ts...).
cat >"$DIR/tsconfig.min-cdk.json" <<'EOF'
{ "extends": "./tsconfig.dev.json", "include": ["src/**/*.ts", "test/**/*.ts", "examples/**/*.ts"], "exclude": ["node_modules"] }
EOF

echo "== type-check src/, test/, examples/ against aws-cdk-lib $MIN"
(cd "$DIR" && node ../../node_modules/typescript/bin/tsc --noEmit -p tsconfig.min-cdk.json)
step "type check" $?

echo "== synthesize examples/app.ts on aws-cdk-lib $MIN"
(cd "$DIR" && CDK_OUTDIR=cdk.out TS_NODE_TRANSPILE_ONLY=true node ../../node_modules/ts-node/dist/bin.js \
  --project tsconfig.dev.json examples/app.ts) | head -3
rc=${PIPESTATUS[0]}
step "example synthesizes" "$rc"
# Not a test: what the aws-cdk-lib version alone changes in the example's template.
if [ "$rc" -eq 0 ] && CDK_OUTDIR="$DIR/cdk.out-dev" TS_NODE_TRANSPILE_ONLY=true \
  npx ts-node --project tsconfig.dev.json examples/app.ts >/dev/null; then
  echo "   note (not a test): the example's template on aws-cdk-lib $MIN vs $DEV:"
  node scripts/compare-templates.js --info "aws-cdk-lib@$DEV=$DIR/cdk.out-dev/FargateFanOutExample.template.json" \
    "aws-cdk-lib@$MIN=$DIR/cdk.out/FargateFanOutExample.template.json" 2>&1 | head -12 | sed 's/^/     /'
fi

echo "== jest assertion suites on aws-cdk-lib $MIN (test/executed, test/harness, test/report and test/localstack are left to the build)"
cat >"$DIR/jest.config.json" <<'EOF'
{
  "rootDir": ".",
  "testMatch": ["<rootDir>/test/**/*.test.ts"],
  "testPathIgnorePatterns": ["/node_modules/", "/cdk.out/", "<rootDir>/test/executed/", "<rootDir>/test/harness/", "<rootDir>/test/report/", "<rootDir>/test/localstack/"],
  "moduleNameMapper": { "^cdk-fargate-fan-out/lib/(.*)$": "<rootDir>/src/$1" },
  "transform": { "^.+\\.[t]sx?$": ["ts-jest", { "tsconfig": "<rootDir>/tsconfig.dev.json" }] },
  "clearMocks": true
}
EOF
# --ci: a missing snapshot fails instead of being written. The snapshot test is skipped (above).
(cd "$DIR" && node ../../node_modules/jest/bin/jest.js --ci --config jest.config.json \
  --testNamePattern '^(?!the example app matches the snapshot)' 2>&1) | tee "$DIR/jest.log" \
  | grep -E '^(PASS|FAIL)|^Tests:|●.*›'
rc=${PIPESTATUS[0]}
# A safeguard against a vacuous pass: the suites must have run (and found on aws-cdk-lib $MIN).
suites=$(grep -cE '^(PASS|FAIL) ' "$DIR/jest.log")
if [ "$suites" -lt 5 ]; then
  echo "only $suites jest suites ran on aws-cdk-lib $MIN" >&2
  rc=1
fi
step "jest assertion suites ($suites)" "$rc"
finish
