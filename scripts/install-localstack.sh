#!/usr/bin/env bash
# Installs LocalStack's Step Functions interpreter (the second interpreter of the executed tests,
# issue 27) into a Python 3.13 virtual environment, .tmp/localstack/venv, without Docker: the
# tests start it as a plain server on localhost (test/localstack/localstack-server.ts).
#
# Idempotent: when the venv already imports the pinned version it does nothing and exits at once.
# Needs no root: it only creates the venv under the worktree. A machine without Python 3.13 fails
# with the command that installs one.
#
# Pins: localstack-core 2026.3.0 with its [runtime] extra, plus 'cbor2<5.7' and service_identity,
# the combination issue 27 found to start on this kind of machine (see the README of
# test/localstack for what goes wrong without them).
set -uo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

LOCALSTACK_VERSION=2026.3.0
VENV=.tmp/localstack/venv
STAMP="$VENV/.installed-$LOCALSTACK_VERSION"
CERT=.tmp/localstack/server.test.pem

# Several jest workers may call this at once on a fresh clone: one installs, the others wait.
mkdir -p .tmp/localstack
exec 9>.tmp/localstack/install.lock
flock 9

# The gateway serves TLS beside plain HTTP on its port, with a certificate it would otherwise
# download from LocalStack's servers (unreachable here) or make with an OpenSSL call that
# the pyOpenSSL it installs (26) no longer has (X509.add_extensions). So the tests hand it one made here (CUSTOM_SSL_CERT_PATH), self-signed
# for localhost; nothing connects with TLS.
make_cert() {
  "$VENV/bin/python" - "$CERT" <<'PY' || exit 1
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256()))
with open(sys.argv[1], "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    f.write(cert.public_bytes(serialization.Encoding.PEM))
PY
}

if [ -f "$STAMP" ] && "$VENV/bin/python" -c 'import localstack.services.stepfunctions' 2>/dev/null; then
  [ -s "$CERT" ] || make_cert
  echo "install-localstack: localstack-core $LOCALSTACK_VERSION already in $VENV"
  exit 0
fi

# Python 3.13: on PATH, else a pyenv-installed one (pyenv's shim fails when 3.13 is not selected).
python=""
for candidate in python3.13 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)"/versions/3.13*/bin/python3.13 "$HOME"/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do
  if [ -n "$candidate" ] && "$candidate" -c 'import sys, venv; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  echo "install-localstack: Python 3.13 not found. Install it with:  pyenv install 3.13   (or: uv python install 3.13)" >&2
  exit 1
fi

echo "install-localstack: installing localstack-core[runtime]==$LOCALSTACK_VERSION into $VENV with $python"
started=$(date +%s)
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$python" -m venv "$VENV" || exit 1
"$VENV/bin/pip" install --quiet "localstack-core[runtime]==$LOCALSTACK_VERSION" 'cbor2<5.7' service_identity || {
  echo "install-localstack: pip install failed" >&2
  exit 1
}
"$VENV/bin/python" -c 'import localstack.services.stepfunctions' || exit 1
make_cert
touch "$STAMP"
echo "install-localstack: done in $(( $(date +%s) - started )) s"
