#!/usr/bin/env bash
# The main job: record the bundled example (which fails on purpose), show what the trace holds,
# and replay it from the failure backward. Run after scripts/setup.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
reel=${REEL_BUILD_DIR:-build}/reel
trace=${REEL_DEMO_TRACE:-${REEL_BUILD_DIR:-build}/inventory.reel}

echo "== reel record examples/inventory.py  (the program fails on purpose)"
"$reel" record -o "$trace" --only examples examples/inventory.py
status=$?
echo "== the program exited with status $status; the recording is kept"
[ -f "$trace" ] || { echo "reel demo: no trace was written" >&2; exit 1; }

echo
echo "== reel info"
"$reel" info "$trace" || exit 1

echo
echo "== reel replay: run to the failure, look around, then step backward"
"$reel" replay "$trace" -c "continue; where; locals; back; back; print item; up; rwatch qty; exceptions; output" || exit 1

echo
echo "Open it yourself: $reel replay $trace   (or: $reel gui $trace)"
