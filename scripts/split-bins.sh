#!/usr/bin/env bash
#
# Build the hme binary once per module, for the split-deploy test (tests/split):
#
#   scripts/split-bins.sh [OUT_DIR]
#
# For each F in FEATURES: cargo build -p hme --no-default-features --features F,
# then copy target/debug/hme to OUT_DIR/hme-F (default target/split-bins). The
# final binary is relinked per feature set, so each one is copied right after its
# build. Point the test at the folder with HME_SPLIT_BIN_DIR=OUT_DIR.

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="${1:-$TARGET/split-bins}"
FEATURES=(products orders images auth worker)

mkdir -p "$OUT"
for feature in "${FEATURES[@]}"; do
    echo "==> hme-$feature: cargo build -p hme --no-default-features --features $feature"
    rm -f "$OUT/hme-$feature"
    cargo build -p hme --no-default-features --features "$feature"
    cp "$TARGET/debug/hme" "$OUT/hme-$feature.tmp"
    mv "$OUT/hme-$feature.tmp" "$OUT/hme-$feature"
done
echo "split binaries in $OUT: ${FEATURES[*]/#/hme-}"
