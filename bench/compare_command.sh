#!/bin/bash
# Two builds of the recorder side by side on a whole command, recorded whole (no --only), by
# process wall time, with a plain run in each round for the ratio:
#
#     bench/compare_command.sh BUILD_A BUILD_B ROUNDS ARGS...
#     bench/compare_command.sh /tmp/base build 5 -m pip list
#
# ARGS is what follows `reel record -o FILE` (a script, -m module or -c code). Every interpreter
# both builds have is used; the order of plain, A and B is the same in every round. Prints the
# medians in milliseconds and B's speed-up. Exit statuses are not checked: the command may fail
# on purpose (a failing test run). docs/performance.md, session 30.
set -euo pipefail
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); rounds=$3; shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
while IFS='=' read -r ver exe; do
    [ -n "$ver" ] && grep -q "^$ver=" "$b/python/interpreters.txt" || continue
    ta=(); tb=(); tp=()
    for _ in $(seq "$rounds"); do
        for which in plain a b; do
            start=$(date +%s%N)
            case $which in
                plain) "$exe" "$@" > /dev/null 2>&1 || true ;;
                a) PYTHONPATH="$a/python/$ver" "$exe" "$a/python/$ver/reel/_record.py" record \
                       -o "$work/t.reel" "$@" > /dev/null 2>&1 || true ;;
                b) PYTHONPATH="$b/python/$ver" "$exe" "$b/python/$ver/reel/_record.py" record \
                       -o "$work/t.reel" "$@" > /dev/null 2>&1 || true ;;
            esac
            ms=$(( ($(date +%s%N) - start) / 1000000 ))
            case $which in plain) tp+=("$ms") ;; a) ta+=("$ms") ;; b) tb+=("$ms") ;; esac
        done
    done
    ma=$(median "${ta[@]}"); mb=$(median "${tb[@]}"); mp=$(median "${tp[@]}")
    echo "$ver plain ${mp} ms, A ${ma} ms, B ${mb} ms, B speed-up $(echo "scale=2; $ma / $mb" | bc)x, B / plain x$(echo "scale=1; $mb / $mp" | bc)"
done < "$a/python/interpreters.txt"
