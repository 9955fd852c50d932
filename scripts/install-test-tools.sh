#!/usr/bin/env bash
# Sets up, ahead of a test run, what the CLI's tests would otherwise set up themselves on first
# use (cli/test/tools.ts): the CLI's packages, among them @sparticuz/chromium, whose tarball ships
# the headless Chromium the report page's test drives, and moto's server in a virtual environment
# (.tmp/test-tools/moto-venv) for the tests of code calling AWS. No root-only step, no apt.
# Idempotent and quick when both are there.
set -uo pipefail
cd "$(dirname "$0")/.."
npx projen cli:install || exit 1
node -r ts-node/register/transpile-only -e 'require("./cli/test/tools").installTestTools().catch((e) => { console.error(`install-test-tools: ${e.message}`); process.exit(1); })'
