#!/usr/bin/env bash
#
# The long API fuzzing run (not part of scripts/test.sh): schemathesis over every
# operation as a customer, a seller and an admin, with the stateful phase, up to
# 10 minutes per caller (FUZZ_SEED picks the seed). Starts the test services
# (scripts/services.sh start; stopped again on exit only when this script started them).
#
#   scripts/fuzz.sh [--backend services|embedded] [--set VAR=VALUE]...
#
# Reports: target/fuzz/long/ (JSON and JUnit per caller), server log target/fuzz/hme-long.log.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

started=0
if [ ! -f target/test-services/env.sh ]; then
    scripts/services.sh start
    started=1
fi
cleanup() { if [ "$started" = 1 ]; then scripts/services.sh stop || true; fi; }
trap cleanup EXIT

scripts/fuzz/run.sh --profile long "$@"
