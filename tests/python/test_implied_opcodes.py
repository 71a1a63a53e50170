"""Implied opcode events (docs/recorder.md "Implied opcode events"): the recorder does not take
the events of instructions that change nothing the trace shows (loads, copies and swaps, returns,
jumps, reference drops) as they run; on 3.12+ it switches them off with sys.monitoring.DISABLE.
It writes them when it records the next instruction of the same frame, along the path the static
analysis proves control took (CodeTable::markImplied, Recorder::catchUp), or before anything
recorded while the frame is paused inside one of them (a finalizer, another thread:
Recorder::settlePaused).

The acceptance test: every corpus program gives the same `reel export --states` with implied
events as with every event taken as it runs (REEL_IMPLIED_OPCODES=0), and no run of implied
instructions was ever reached in a way the analysis did not foresee (its events would be lost).
The fidelity corpus (test_fidelity.py) compares the same traces with a pure-Python tracer."""

import re

import pytest

REPORT = re.compile(r"reel: implied opcode events: (\d+) written, (\d+) runs after an unknown "
                    r"position, (\d+) stray runs")
STORES = re.compile(r"reel: implied stores: (\d+) events recorded, (\d+) made recorded\n")


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
    strip = lambda err: STORES.sub("", REPORT.sub("", err))
    assert (on[1], strip(on[2]), on[3]) == (off[1], strip(off[2]), off[3])
    written, unknown, stray = _report(on[2])
    assert stray == 0, "runs of implied instructions reached some unforeseen way"
    assert written > 0, "no implied event written: the optimization is off"
    assert _report(off[2])[0] == 0
    # Every event counts, the standard library's too; except where the program starts threads:
    # Thread.start() waits in threading.py for the new thread to signal that it runs, and whether
    # the signal came first changes how many events that wait takes (two runs differed by 89).
    # The export below is limited to the program's own code, which the threads never interleave.
    if "threading" not in corpus_program.read_text():
        assert info(on[0])["events"] == info(off[0])["events"]
    a, b = export_states(on[0]), export_states(off[0])
    if a != b:
        la, lb = a.split("\n"), b.split("\n")
        i = next((k for k in range(min(len(la), len(lb))) if la[k] != lb[k]), min(len(la), len(lb)))
        pytest.fail("first difference at line %d:\n implied %s\n all     %s"
                    % (i + 1, la[i] if i < len(la) else "<end>", lb[i] if i < len(lb) else "<end>"),
                    pytrace=False)


# The collector runs from the eval-breaker check of the loop's backward jump (3.12+; 3.11 runs it
# inside the allocating instruction): the cyclic garbage's __del__ is called while the loop frame
# is paused at an implied JUMP_BACKWARD, whose events (and the frame's state check) must come
# before the finalizer's. Not in the corpus: the pure-Python oracle allocates, which moves the
# collections.
GC_PROGRAM = r'''
import gc, opcode, sys

where = []

class Cyclic:
    def __init__(self):
        self.me = self

    def __del__(self):
        f = sys._getframe(1)
        where.append(f.f_code.co_name + ":" + opcode.opname[f.f_code.co_code[f.f_lasti]])

def churn():
    gc.collect()
    pool = [Cyclic() for _ in range(30)]
    gc.set_threshold(40)
    chain = None
    for i in range(4000):
        if i % 97 == 0 and pool:
            del pool[-1]
        chain = [chain, i]
    gc.set_threshold(700)
    return i

print(churn())
gc.collect()
print(sorted(set(where)))
'''


def test_finalizers_at_backward_jumps(tmp_path, record_implied, export_states, pyver):
    program = tmp_path / "gc_at_jump.py"
    program.write_text(GC_PROGRAM)
    on = record_implied(program, True)
    off = record_implied(program, False)
    if pyver != "3.11":
        assert "churn:JUMP_BACKWARD" in on[1], on[1]
    strip = lambda err: STORES.sub("", REPORT.sub("", err))
    assert (on[1], strip(on[2]), on[3]) == (off[1], strip(off[2]), off[3])
    assert _report(on[2])[2] == 0
    assert export_states(on[0], tmp_path) == export_states(off[0], tmp_path)


# A store whose event is implied (3.12+) drops the last reference to an object with a finalizer:
# the finalizer's events come after the store's, and after the store's LOCAL_SET (the slot is
# rebound before the old value goes), which the finalizer sees. Not in the corpus: the pure-Python
# oracle holds the locals it reads, so the finalizer would run elsewhere.
FINALIZER_STORE_PROGRAM = r'''
import sys

class Noisy:
    def __del__(self):
        print("caller's a:", sys._getframe(1).f_locals["a"])

def finalizer_in_store(items):
    a = Noisy()
    n = len(items)
    a = 0
    return a, n

print(finalizer_in_store([1, 2]))
'''


def test_finalizer_run_by_an_implied_store(tmp_path, record_implied, export_states, dump, pyver):
    program = tmp_path / "store_finalizer.py"
    program.write_text(FINALIZER_STORE_PROGRAM)
    on = record_implied(program, True)
    off = record_implied(program, False)
    assert "caller's a: 0" in on[1], on[1]
    strip = lambda err: STORES.sub("", REPORT.sub("", err))
    assert (on[1], strip(on[2]), on[3]) == (off[1], strip(off[2]), off[3])
    assert _report(on[2])[2] == 0
    assert export_states(on[0], tmp_path) == export_states(off[0], tmp_path)
    if pyver == "3.11":
        return  # stores are implied under sys.monitoring only (CodeTable::conditionalImplied_)
    seq = [(r["kind"], r.get("value")) for r in dump(on[0])
           if r.get("fn") == "finalizer_in_store" and r["kind"] == "local_set"
           or r.get("fn") == "Noisy.__del__" and r["kind"] == "call"]
    # items, a = Noisy(), n = 2, a = 0, then the finalizer.
    assert [k for k, _ in seq] == ["local_set"] * 4 + ["call"], seq
    assert seq[3][1] == 0, seq


# Threads switch at the loops' backward jumps (the eval-breaker check). A thread's JUMP_BACKWARD
# must come before the switch to the other thread, as it does when it is recorded as it runs:
# the first event of a thread after a switch is never a backward jump.
#
# The threads start with the default switch interval and spin only once both run: CPython
# 3.12.1/3.13.0 lose the INSTRUCTION events of code that runs between a new thread's
# sys.settrace and its first call (docs/recorder.md, "Known gaps"), which a switch every 10 us
# would hit.
THREADS_PROGRAM = r'''
import sys, threading

go = threading.Event()
both = threading.Barrier(2)

def spin(n):
    go.wait()
    both.wait()
    total = 0
    for i in range(n):
        total = total + i
    return total

ts = [threading.Thread(target=spin, args=(60000,)) for _ in range(2)]
for t in ts:
    t.start()
sys.setswitchinterval(1e-5)
go.set()
for t in ts:
    t.join()
sys.setswitchinterval(0.005)
print("done")
'''


def _spin_events(records):
    """Per-thread spin() events, how often the recording switched threads inside spin(), and the
    events that came first after a switch, with the offsets of spin's backward jumps."""
    spin = {r["code"] for r in records if r.get("fn") == "spin"}
    jumps = set()  # offsets of spin's JUMP_BACKWARD: where an event goes back
    seqs, last, switches, first_after = {}, {}, 0, []
    prev_thread = None
    for r in records:
        if r.get("code") not in spin or "ev" not in r:
            continue
        t = r["thread"]
        if prev_thread is not None and t != prev_thread:
            switches += 1
            first_after.append(r)
        prev_thread = t
        seqs.setdefault(t, []).append((r["kind"], r.get("off")))
        if r["kind"] == "opcode":
            if t in last and last[t] is not None and r["off"] < last[t]:
                jumps.add(last[t])
            last[t] = r["off"]
    return seqs, switches, [r for r in first_after if r["kind"] == "opcode" and r["off"] in jumps]


# How often the threads switch is up to the OS: on a loaded two-core machine a waiting thread may
# not run for most of spin(), and a recording saw as few as 9 switches. A recording with fewer
# than MIN_SWITCHES is made again, up to ATTEMPTS times, so the test always checks real switches.
MIN_SWITCHES, ATTEMPTS = 3, 4


def test_thread_switches_at_backward_jumps(tmp_path, record_implied, dump):
    program = tmp_path / "switching.py"
    program.write_text(THREADS_PROGRAM)
    per_thread = {}
    for on in (True, False):
        for _ in range(ATTEMPTS):
            trace, out, err, rc = record_implied(program, on)
            assert rc == 0 and out == "done\n", err[-2000:]
            seqs, switches, jump_first = _spin_events(dump(trace))
            if switches >= MIN_SWITCHES:
                break
        assert switches >= MIN_SWITCHES, "the threads did not interleave in spin()"
        assert not jump_first
        per_thread[on] = sorted(seqs.values())
        if on:
            assert _report(err)[2] == 0
    assert per_thread[True] == per_thread[False]
