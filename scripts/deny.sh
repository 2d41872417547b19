#!/usr/bin/env bash
#
# Dependency checks with cargo-deny (rules in deny.toml): licenses, banned crates,
# sources, and known vulnerabilities (RustSec advisories) of every dependency.
#
#   scripts/deny.sh
#
# cargo-deny is installed on first use into $HME_TOOLS_DIR (default ~/.cache/hme-tools,
# outside the checkout so fresh clones on the same machine reuse it; cargo install
# --locked, about 8 minutes on a busy 2-core machine). The advisory database is fetched from GitHub; when
# it cannot be reached, the last fetched copy is used (offline); with no copy at all the
# advisories check is reported NOT CHECKED and the script fails only when
# HME_REQUIRE_ADVISORIES=1 (licenses, bans and sources are always checked).

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DENY_VERSION=0.20.2
TOOLS_DIR="${HME_TOOLS_DIR:-$HOME/.cache/hme-tools}"
DENY="$TOOLS_DIR/bin/cargo-deny"

if ! "$DENY" --version 2>/dev/null | grep -qF "$DENY_VERSION"; then
    echo "installing cargo-deny $DENY_VERSION into $TOOLS_DIR"
    cargo install --locked --quiet cargo-deny --version "$DENY_VERSION" --root "$TOOLS_DIR"
fi

"$DENY" check licenses bans sources

if "$DENY" fetch db 2>/dev/null; then
    "$DENY" check advisories
elif compgen -G "$HOME/.cargo/advisory-dbs/*/crates" >/dev/null; then
    echo "warning: advisory database unreachable: checking against the copy fetched earlier" >&2
    "$DENY" --offline check advisories
else
    echo "advisories: NOT CHECKED (the RustSec advisory database on GitHub is unreachable and no copy was fetched before)" >&2
    [ "${HME_REQUIRE_ADVISORIES:-0}" != 1 ] || exit 1
fi
