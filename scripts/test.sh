#!/usr/bin/env bash
#
# Run the whole test suite: the one command for developers and CI.
#
#   scripts/test.sh [-- EXTRA CARGO ARGS]
#
# 1. starts the test services (scripts/services.sh start; stopped again on
#    exit, failure or Ctrl-C) and loads target/test-services/env.sh
# 2. scripts/split-bins.sh: one hme binary per module in target/split-bins
#    (HME_SPLIT_BIN_DIR), for the split-deploy test of step 3
# 3. cargo test --workspace --all-features [EXTRA CARGO ARGS]
#    (also builds the default binary), then the quick API fuzzing pass
#    (scripts/fuzz/run.sh --profile quick, ~2.5 min) and the dependency checks
#    (scripts/deny.sh: cargo-deny advisories, licenses, bans, sources) and clippy
#    with the workspace lints as errors (all features, tests included)
# 4. the feature matrix: cargo test -p hme --no-default-features --features F
#    for each F in FEATURES below (skipped when HME_TEST_SKIP_MATRIX=1)
#
# Every step runs even when an earlier one failed; a summary table follows and
# the exit code is non-zero when any step failed. Example:
#   HME_TEST_SKIP_MATRIX=1 scripts/test.sh -- -p hme-orders -- --nocapture

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

FEATURES=(products orders images auth worker)
LOG_DIR="$ROOT/target/test-logs"

if [ "${CI:-}" = true ]; then
    export CARGO_TERM_COLOR=never
fi

# Arguments after `--` (a leading `--` is optional) go to step 3's cargo test.
if [ "${1:-}" = "--" ]; then shift; fi
EXTRA_ARGS=("$@")

STEP_NAMES=()
STEP_RESULTS=()
STEP_SECONDS=()
FAILED=0

say() { printf '\n==> %s\n' "$*"; }

# ---------------------------------------------------------------- services

stop_services() {
    trap - EXIT INT TERM
    say "stopping test services"
    scripts/services.sh stop || echo "warning: scripts/services.sh stop failed" >&2
}
on_exit() {
    local rc=$?
    stop_services
    exit "$rc"
}
on_signal() {
    echo "interrupted" >&2
    exit 130 # runs on_exit
}
trap on_exit EXIT
trap on_signal INT TERM

# ------------------------------------------------------------------- steps

# run_step NAME COMMAND...: run, time and record one step; output is shown and
# also kept in target/test-logs/<name>.log.
run_step() {
    local name=$1
    shift
    local logfile="$LOG_DIR/${name//[^A-Za-z0-9_.-]/_}.log"
    say "$name: $*"
    local start=$SECONDS rc=0
    "$@" 2>&1 | tee "$logfile" || rc=${PIPESTATUS[0]}
    local took=$((SECONDS - start))
    STEP_NAMES+=("$name")
    STEP_SECONDS+=("$took")
    if [ "$rc" = 0 ]; then
        STEP_RESULTS+=(ok)
    else
        STEP_RESULTS+=("FAILED (exit $rc)")
        FAILED=$((FAILED + 1))
    fi
}

# Sum the counts of all "test result:" lines in the step logs.
count_tests() {
    cat "$LOG_DIR"/*.log 2>/dev/null | awk '
        /^test result: / {
            for (i = 1; i <= NF; i++) {
                if ($(i + 1) ~ /^passed/) passed += $i
                if ($(i + 1) ~ /^failed/) failed += $i
                if ($(i + 1) ~ /^ignored/) ignored += $i
            }
        }
        END { printf "%d %d %d\n", passed, failed, ignored }'
}

print_summary() {
    local i
    say "summary"
    printf '%-36s %-20s %8s\n' STEP RESULT SECONDS
    for i in "${!STEP_NAMES[@]}"; do
        printf '%-36s %-20s %8s\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}" "${STEP_SECONDS[$i]}"
    done
    local passed failed ignored
    read -r passed failed ignored < <(count_tests)
    echo
    echo "logs: ${LOG_DIR#"$ROOT"/}/"
    if [ "$FAILED" -gt 0 ]; then echo "$FAILED step(s) failed"; else echo "all steps passed"; fi
    # The last line: totals over all cargo test runs of this script.
    echo "tests: $passed passed, $failed failed, $ignored skipped"
}

# -------------------------------------------------------------------- main

say "starting test services"
scripts/services.sh start
# shellcheck source=/dev/null
source target/test-services/env.sh

rm -rf "$LOG_DIR"
mkdir -p "$LOG_DIR"

# One binary per module for the split-deploy test (tests/split), run by the next step.
run_step "split binaries" scripts/split-bins.sh "$ROOT/target/split-bins"
export HME_SPLIT_BIN_DIR="$ROOT/target/split-bins"

run_step "workspace (all features)" cargo test --workspace --all-features --no-fail-fast "${EXTRA_ARGS[@]}"

# schemathesis against a running hme (all modules, the test services): zero 5xx, zero
# answers outside the documented statuses and schemas. The long run: scripts/fuzz.sh.
run_step "api fuzz (quick)" scripts/fuzz/run.sh --profile quick
run_step "cargo deny" scripts/deny.sh
run_step "clippy (all features, tests)" cargo clippy --workspace --all-features --tests -- -D warnings

if [ "${HME_TEST_SKIP_MATRIX:-0}" = 1 ]; then
    say "feature matrix skipped (HME_TEST_SKIP_MATRIX=1)"
else
    for feature in "${FEATURES[@]}"; do
        run_step "hme --features $feature" \
            cargo test -p hme --no-fail-fast --no-default-features --features "$feature"
    done
fi

# Stop the services now (not in the EXIT trap) so the test totals are the
# last lines of the output.
stop_services
print_summary
[ "$FAILED" = 0 ] || exit 1
