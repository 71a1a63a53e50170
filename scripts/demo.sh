#!/usr/bin/env bash
# The main job: record the bundled example (which fails on purpose) and replay it from the
# failure backward (`reel demo`), then show what the trace holds. Run after scripts/setup.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
reel=${REEL_BUILD_DIR:-build}/reel
trace=${REEL_DEMO_TRACE:-${REEL_BUILD_DIR:-build}/inventory.reel}

"$reel" demo -o "$trace" || exit 1

echo
echo "== reel info"
"$reel" info "$trace" || exit 1
