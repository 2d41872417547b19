#!/usr/bin/env bash
#
# API fuzzing with schemathesis against a running hme (see scripts/fuzz/run.py).
#
#   scripts/fuzz/run.sh [--profile quick|long] [--backend services|embedded] [--set VAR=VALUE]...
#
# Makes target/fuzz-venv (schemathesis, PyJWT, cryptography: pinned in
# scripts/fuzz/requirements.txt) when missing or when the pins changed, then runs the
# driver. With target/test-services/env.sh present (scripts/services.sh start) hme runs on
# MongoDB, Redis and RabbitMQ; otherwise on the embedded backends.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

VENV=target/fuzz-venv
REQ=scripts/fuzz/requirements.txt
STAMP="$VENV/.requirements"

if ! cmp -s "$REQ" "$STAMP" 2>/dev/null; then
    echo "making $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
    cp "$REQ" "$STAMP"
fi

exec "$VENV/bin/python" scripts/fuzz/run.py "$@"
