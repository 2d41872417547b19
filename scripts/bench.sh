#!/usr/bin/env bash
#
# The performance benchmark (not part of the test suite; no timed assertions anywhere).
#
#   scripts/bench.sh        build hme and bench-baseline in release, start the backends,
#                           seed a fixed dataset, drive load with wrk, print one table and
#                           write target/bench/results.json
#
# Environment:
#   BENCH_DURATION=10       seconds per scenario
#   BENCH_CONNECTIONS=32    wrk connections (BENCH_THREADS=2 wrk threads)
#   BENCH_SIZES=1           also build each feature alone in release and report the binary
#                           sizes (minutes per build on 2 cores)
#   BENCH_SKIP_BUILD=1      use the release binaries already in target/release
#
# Every figure is reported as a ratio against a baseline measured in the same run:
# bench-baseline (tools/bench) serves from memory, with a bare actix-web, the exact bytes
# hme answered for the same requests - the ceiling for a cached response on this machine.
# The MongoDB scenarios are also compared with the database's floor (scripts/bench/db_floor.py:
# pymongo issuing the same queries, or an order's writes in one transaction), and show the
# database commands per request (hme_db_commands_total on the admin /metrics, read before and
# after each scenario; migrations-docs/db-commands.md).
#
# The bench signs Clerk-shaped tokens with the TEST key of modules/kernel/testdata and runs
# hme with CLERK_JWT_KEY set to its public half, and signs the Clerk webhook (users) with a
# bench-only secret. Never point it at a real deployment.
#
# Backends: SecantusDB (MongoDB wire protocol), Redis and RabbitMQ through
# scripts/services.sh start (idempotent; this script never stops them). Each run uses its
# own database name, Redis key prefix, exchange and queue names (hmebench_<id>).

set -euo pipefail

HME_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$HME_ROOT"
mkdir -p target/bench

if ! command -v wrk >/dev/null 2>&1; then
    echo "installing wrk (Debian package)" >&2
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
    else
        sudo apt-get install -y wrk >/dev/null 2>&1 || { sudo apt-get update >/dev/null && sudo apt-get install -y wrk >/dev/null; }
    fi
fi

if [ "${BENCH_SIZES:-0}" = 1 ]; then
    echo "building each feature alone in release (binary sizes)" >&2
    sizes="{"
    for f in products orders images auth worker; do
        cargo build --release -p hme --no-default-features --features "$f" >&2
        sizes+="\"$f only\": $(python3 -c "import os; print(round(os.path.getsize('target/release/hme') / 2**20, 1))"),"
    done
    echo "${sizes%,}}" > target/bench/sizes.json
    # the all-in-one build is rebuilt below
else
    rm -f target/bench/sizes.json
fi

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] || [ "${BENCH_SIZES:-0}" = 1 ]; then
    echo "building hme and bench-baseline in release" >&2
    cargo build --release -p hme -p hme-bench >&2
fi

scripts/services.sh start >&2
PY=target/test-venv/bin/python
[ -x "$PY" ] || { echo "target/test-venv missing: scripts/services.sh start creates it" >&2; exit 1; }
exec "$PY" scripts/bench/run.py
