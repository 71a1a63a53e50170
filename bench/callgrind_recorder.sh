#!/bin/bash
# Instructions of `reel record` per workload under callgrind, for A/B comparisons of two builds
# that do not depend on the machine's load:
#
#     bench/callgrind_recorder.sh BUILD X.Y [WORKLOAD.py ...]
#
# BUILD is a build directory (its python/X.Y/ holds the `reel` package). Prints one line per
# workload: the main thread's instruction count (the writer thread compresses in parallel and is
# left out). Batches are handed over by size only (REEL_HANDOVER_MS): with the clock deciding,
# two runs of one build differed by up to 5%. loop.py is cut to 30,000 iterations (valgrind runs
# it about 50 times slower). Defaults to bench/workloads/*.py.
set -euo pipefail
build=$(cd "$1" && pwd); ver=$2; shift 2
here=$(cd "$(dirname "$0")" && pwd)
exe=$(grep "^$ver=" "$build/python/interpreters.txt" | cut -d= -f2)
[ -n "$exe" ] || { echo "no Python $ver in $build/python/interpreters.txt" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=("$here"/workloads/*.py)
for p in "${programs[@]}"; do
    name=$(basename "$p" .py)
    mkdir -p "$work/$name"
    if [ "$name" = loop ]; then sed 's/run(600_000)/run(30_000)/' "$p" > "$work/$name/$name.py"
    else cp "$p" "$work/$name/$name.py"; fi
    # The launcher script, as `reel record` runs it: `-m reel` re-executes itself as that script,
    # and callgrind does not follow the exec.
    REEL_HANDOVER_MS=1000000 PYTHONHASHSEED=0 PYTHONPATH="$build/python/$ver" \
        valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$work/cg.out" \
        "$exe" "$build/python/$ver/reel/_record.py" record --only "$work/$name" -o "$work/$name.reel" "$work/$name/$name.py" \
        > /dev/null 2>&1
    total=$(callgrind_annotate "$work/cg.out-01" 2>/dev/null | awk '/PROGRAM TOTALS/ {print $1}')
    echo "$ver $name $total"
done
