"""Implied opcode events (docs/recorder.md "Implied opcode events"): the recorder does not take
the events of instructions that only push, copy or swap references (LOAD_FAST, LOAD_CONST, COPY,
SWAP, ...) as they run; on 3.12+ it switches them off with sys.monitoring.DISABLE. It writes them
when it records the next instruction of the same frame, when the static analysis proves they ran
right before it (CodeTable::markImplied, Recorder::impliedBefore).

The acceptance test: every corpus program gives the same `reel export --states` with implied
events as with every event taken as it runs (REEL_IMPLIED_OPCODES=0), and no run of implied
instructions was ever reached in a way the analysis did not foresee (its events would be lost).
The fidelity corpus (test_fidelity.py) compares the same traces with a pure-Python tracer."""

import re

import pytest

REPORT = re.compile(r"reel: implied opcode events: (\d+) written, (\d+) runs after an unknown "
                    r"position, (\d+) stray runs")


@pytest.fixture
def record_implied(record_env):
    """record_implied(program, on) -> (trace, stdout, stderr, returncode)."""
    return lambda program, on: record_env(program, "implied" if on else "all",
                                          REEL_IMPLIED_OPCODES="1" if on else "0",
                                          REEL_IMPLIED_CHECK="1")


def _report(err):
    m = REPORT.search(err)
    assert m, "no implied-events report on stderr:\n" + err[-3000:]
    return tuple(map(int, m.groups()))


def test_implied_events_equal_recorded_ones(corpus_program, record_implied, export_states, info):
    on = record_implied(corpus_program, True)
    off = record_implied(corpus_program, False)
    for trace, _, err, _ in (on, off):
        assert trace.exists(), "no trace (stderr: %s)" % err[-2000:]
    # The program behaves the same (the report line aside).
    strip = lambda err: REPORT.sub("", err)
    assert (on[1], strip(on[2]), on[3]) == (off[1], strip(off[2]), off[3])
    written, unknown, stray = _report(on[2])
    assert stray == 0, "runs of implied instructions reached some unforeseen way"
    assert written > 0, "no implied event written: the optimization is off"
    assert _report(off[2])[0] == 0
    assert info(on[0])["events"] == info(off[0])["events"]
    a, b = export_states(on[0]), export_states(off[0])
    if a != b:
        la, lb = a.split("\n"), b.split("\n")
        i = next((k for k in range(min(len(la), len(lb))) if la[k] != lb[k]), min(len(la), len(lb)))
        pytest.fail("first difference at line %d:\n implied %s\n all     %s"
                    % (i + 1, la[i] if i < len(la) else "<end>", lb[i] if i < len(lb) else "<end>"),
                    pytrace=False)
