#!/bin/sh
# Renders screenshots of the main window on a recorded example to PNG, offscreen (no display
# needed), for docs/gui.md and the README.
#
#   [REEL_PYTHON=python3.12] gui/screenshot.sh [BUILD_DIR] [OUT_DIR]
#
# Records examples/inventory.py with the build's `reel record` (skipped if it cannot record),
# then shows it stopped where the failing ValueError is raised, in the light and the dark theme.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
out=${2:-$here/docs/images}
mkdir -p "$out"
export QT_QPA_PLATFORM=offscreen
trace=$(mktemp -d)/inventory.reel
# `reel record` exits with the program's status: inventory.py fails on purpose.
"$build/reel" record ${REEL_PYTHON:+--python "$REEL_PYTHON"} -o "$trace" "$here/examples/inventory.py" >/dev/null 2>&1 || true
if [ ! -s "$trace" ]; then
    echo "screenshot.sh: could not record examples/inventory.py with $build/reel" >&2
    exit 1
fi
"$build/reel-gui" "$trace" --screenshot "$out/gui-inventory-light.png" --theme light --break inventory.py:36 --size 1400x860
"$build/reel-gui" "$trace" --screenshot "$out/gui-inventory-dark.png" --theme dark --break inventory.py:36 --size 1400x860
rm -rf "$(dirname "$trace")"
