#!/usr/bin/env bash
# Records CPython's own test suites as workloads and checks the recording changes nothing:
#   bench/record_cpython_suites.sh PYTHON BUILD_DIR SUITE...
#   e.g. bench/record_cpython_suites.sh /root/.pyenv/versions/3.12.1/bin/python3.12 build test_set
# Per suite: a plain run and a recorded run (`python -m reel record -m test --randseed=1 SUITE`,
# both under the same `timeout` wrapper, which also gives both the default SIGINT handling), then
# one line: exit statuses, whether stdout and stderr are equal once timings are filtered out,
# `reel verify` of the trace, and the recorded run's wall time. Traces go to a temporary
# directory and are removed; with REEL_SUITES_KEEP=DIR, a suite whose statuses, output or
# verification differ leaves its outputs and trace in DIR/VERSION-SUITE for triage. Copy the
# build first if it may be rebuilt while this runs.
set -uo pipefail
[ $# -ge 3 ] || { sed -n '2,4p' "$0" >&2; exit 2; }
py=$1; build=$(cd "$2" && pwd); shift 2
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])') || exit 2
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
filt() { grep -v -E "[0-9]+(\.[0-9]+)? ?(sec|ms|s\b)|Total duration|^0:|load avg|elapsed|took|Run tests|Fixing|== Tests result|Result:" "$1"; }
for suite in "$@"; do
  d=$work/$suite; mkdir -p "$d"; cd "$d" || exit 2
  timeout 900 "$py" -m test --randseed=1 "$suite" > plain.out 2> plain.err; prc=$?
  start=$(date +%s.%N)
  PYTHONPATH=$build/python/$ver timeout 900 "$py" -m reel record -o "$d/t.reel" -m test \
    --randseed=1 "$suite" > rec.out 2> rec.err; rrc=$?
  end=$(date +%s.%N)
  if diff <(filt plain.out) <(filt rec.out) > /dev/null && diff <(filt plain.err) <(filt rec.err) > /dev/null
  then same=same; else same=DIFF; fi
  v=$("$build/reel" verify t.reel > /dev/null 2>&1 && echo ok || echo FAIL)
  printf "%s %s rc %s/%s output %s verify %s %.1fs\n" "$ver" "$suite" $prc $rrc $same $v \
    "$(echo "$end - $start" | bc)"
  if [ -n "${REEL_SUITES_KEEP:-}" ] && { [ $prc != $rrc ] || [ $same != same ] || [ $v != ok ]; }; then
    mkdir -p "$REEL_SUITES_KEEP" && rm -rf "$REEL_SUITES_KEEP/$ver-$suite" && cp -r "$d" "$REEL_SUITES_KEEP/$ver-$suite"
  fi
  rm -rf "$d"
done
