#!/usr/bin/env bash
# The test command's Python tools, set up ahead of the tests: moto's server (the CLI's tests,
# cli/test/tools.ts) and LocalStack's Step Functions (the second interpreter,
# scripts/install-localstack.sh). On a fresh clone they take about a minute of one core, so
# `npx projen build` starts this with --background before it compiles: compiling, the API docs
# and the README's snippets keep one core of two busy, and the installs take the other. The tests
# wait for an install under way (each holds a lock) and install what is missing themselves, so a
# background install that failed or did not run only costs time; its log is
# .tmp/test-tools/python-tools.log. Idempotent and quick when both are there. No root-only step.
set -uo pipefail
cd "$(dirname "$0")/.."
LOG=.tmp/test-tools/python-tools.log

if [[ "${1:-}" == "--background" ]]; then
  mkdir -p "$(dirname "$LOG")"
  # Detached, every stream redirected: the build does not wait for it.
  nohup bash "$0" > "$LOG" 2>&1 < /dev/null &
  echo "install-python-test-tools: moto and LocalStack install in the background (log: $LOG)"
  exit 0
fi

bash scripts/install-localstack.sh &
localstack=$!
node -r ts-node/register/transpile-only -e 'console.log(`moto: ${require("./cli/test/tools").motoServerCommand()[0]}`)'
moto_rc=$?
wait "$localstack"
localstack_rc=$?
echo "install-python-test-tools: moto rc=$moto_rc, LocalStack rc=$localstack_rc"
exit $(( moto_rc || localstack_rc ))
