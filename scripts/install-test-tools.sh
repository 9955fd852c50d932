#!/usr/bin/env bash
# Installs what the report's tests drive, when the machine lacks it: Chromium (Debian's package,
# for the page's test and docs/report.png) and moto's server (for the S3 reader's test), the
# latter into the same venv as the worker tests (scripts/test-worker.sh), .tmp/worker/venv.
# Idempotent and quick when both are there. .ci/run calls it before the build.
set -uo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  echo "install-test-tools: installing chromium (apt-get)"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || {
    echo "install-test-tools: could not install chromium" >&2
    exit 1
  }
fi

VENV=.tmp/worker/venv
if [ ! -x "$VENV/bin/moto_server" ] || ! "$VENV/bin/python" -c 'import moto, pytest, build, boto3' 2>/dev/null; then
  echo "install-test-tools: installing moto into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || exit 1
  # The same pins as scripts/test-worker.sh, so both share one venv.
  "$VENV/bin/pip" install --quiet 'moto[server]==5.2.5' 'pytest==9.2.0' 'build==1.6.1' boto3 || exit 1
fi
echo "install-test-tools: chromium $(command -v chromium || command -v chromium-browser), moto $VENV/bin/moto_server"
