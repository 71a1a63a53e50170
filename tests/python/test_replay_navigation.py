"""`reel replay` navigation on real recordings of generator and coroutine programs: `next` and
`rnext` stay in a generator or coroutine frame across its suspensions (as pdb's `next` does),
`finish` runs until such a frame really returns, and breakpoints hit while it is suspended stop.
Each test records its program with the interpreter under test (3.11, 3.12, 3.13)."""

import re
import subprocess

from conftest import PROGRAMS_DIR, RUN_TIMEOUT

# Two tasks interleaving at each `await`: a: 7 8 | b: 7 8 | a: 9 6 7 8 | b: 9 6 7 8 | ...
TASKS = """\
import asyncio


async def worker(name, n, out):
    total = 0
    for i in range(n):
        total += i
        await asyncio.sleep(0)
        out.append((name, i))
    return total


async def main():
    out = []
    a = asyncio.create_task(worker("a", 3, out))
    b = asyncio.create_task(worker("b", 3, out))
    ra = await a
    rb = await b
    print(ra, rb, len(out))


asyncio.run(main())
"""

GENERATORS = """\
def numbers(n):
    k = 0
    while k < n:
        yield k * 10
        k += 1
    return "done"


def consume():
    seen = []
    for v in numbers(3):
        seen.append(v)
    return seen


KEEP = []


def first_two():
    g = numbers(5)
    KEEP.append(g)  # never resumed again, never closed before the recording ends
    a = next(g)
    b = next(g)
    return a + b


print(consume())
print(first_two())
"""


def replay(reel_bin, trace, commands):
    proc = subprocess.run([str(reel_bin), "replay", str(trace), "-c", commands],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=RUN_TIMEOUT)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def stops(out, name):
    """(line, function) of every stop in program `name`, in order."""
    return [(int(line), fn) for line, fn in
            re.findall(r"^> \S*%s\.py\((\d+)\)(\S+)\(\)$" % re.escape(name), out, re.M)]


def values(out):
    """The lines `print` wrote: those that are no part of a stop report."""
    return [line for line in out.splitlines()
            if not line.startswith(("[event", "> ", "-> ", "Breakpoint", "Deleted", "(this",
                                    "[Switching"))]


def test_next_over_await_stays_in_the_task(reel_bin, record, tmp_path):
    # A full recording: the event loop's own frames run between the task's suspension and its
    # resume, and task b runs its lines there.
    trace, out, err, rc = record(TASKS, name="tasks")
    assert rc == 0 and out == "3 3 6\n", err
    prog = tmp_path / "tasks.py"
    rc, out, err = replay(reel_bin, trace,
                          f"break {prog}:7; c; delete; p name; n; p name; n; p name; p i; n; n; "
                          "p name; p i; n; n; p name")
    assert rc == 0, err
    assert [l for l, _ in stops(out, "tasks")] == [7, 8, 9, 6, 7, 8, 9], out
    assert set(fn for _, fn in stops(out, "tasks")) == {"worker"}, out
    # The same task all along (same frame), through each of its `await`s.
    assert values(out) == ["'a'", "'a'", "'a'", "0", "'a'", "1", "'a'"], out


def test_rnext_over_await_is_the_mirror_image(reel_bin, record, tmp_path):
    trace, _, err, rc = record(TASKS, name="tasks")
    assert rc == 0, err
    prog = tmp_path / "tasks.py"
    # Task a's second line 9 (i == 1), back across its await, then back across the previous one.
    rc, out, err = replay(reel_bin, trace,
                          f"break {prog}:9 if name == 'a' and i == 1; c; delete; rn; p name; p i; "
                          "rn; rn; rn; p name; p i; rn; p name; p i")
    assert rc == 0, err
    assert [l for l, _ in stops(out, "tasks")] == [9, 8, 7, 6, 9, 8], out
    assert values(out) == ["'a'", "1", "'a'", "0", "'a'", "0"], out


def test_breakpoint_in_the_other_task_stops_next(reel_bin, record, tmp_path):
    trace, _, err, rc = record(TASKS, name="tasks")
    assert rc == 0, err
    prog = tmp_path / "tasks.py"
    rc, out, err = replay(reel_bin, trace,
                          f"break {prog}:8 if name == 'a'; c; p name; "
                          f"break {prog}:7 if name == 'b'; n; p name; p i")
    assert rc == 0, err
    # While a awaits, b reaches line 7: next stops there, reporting the breakpoint.
    assert re.search(r"^Breakpoint 2 at \S*tasks\.py:7\n\[event", out, re.M), out
    assert stops(out, "tasks")[-1] == (7, "worker"), out
    assert values(out)[-2:] == ["'b'", "0"], out


def test_finish_in_a_task_runs_until_it_returns(reel_bin, record, tmp_path):
    trace, _, err, rc = record(TASKS, name="tasks")
    assert rc == 0, err
    prog = tmp_path / "tasks.py"
    # finish from the task's first line: not at its first `await` but after its return (which
    # `next` from its `return` line shows), in the event loop (asyncio/events.py, Handle._run).
    rc, out, err = replay(reel_bin, trace, f"break {prog}:10 if name == 'a'; c; n")
    assert rc == 0, err
    returned = re.findall(r"^\[event (\d+)/\d+\] --Return-- 3$", out, re.M)
    assert len(returned) == 1, out
    rc, out, err = replay(reel_bin, trace, f"break {prog}:7; c; delete; finish")
    assert rc == 0, err
    after = out.split("Deleted 1 breakpoint.\n")[1]
    assert re.search(r"^> \S*asyncio/events\.py\(\d+\)_run\(\)$", after, re.M), out
    finished = re.findall(r"^\[event (\d+)/\d+\]", after, re.M)
    assert int(finished[0]) > int(returned[0]), out
    # rfinish from after a resume: back to before the task's first call (not its latest resume):
    # one step on is that call, then its first line.
    rc, out, err = replay(reel_bin, trace,
                          f"break {prog}:9 if name == 'a' and i == 2; c; delete; rfinish; s; s; "
                          "p name")
    assert rc == 0, err
    after = out.split("Deleted 1 breakpoint.\n")[1]
    assert re.search(r"--Call--.*\n> \S*tasks\.py\(4\)worker\(\)\n", after), out
    assert stops(out, "tasks")[-2:] == [(4, "worker"), (5, "worker")], out
    assert values(out)[-1] == "'a'", out


def test_generator_consumed_by_a_for_loop(reel_bin, record, tmp_path):
    trace, out, err, rc = record(GENERATORS, name="gens")
    assert rc == 0 and out == "[0, 10, 20]\n10\n", err
    prog = tmp_path / "gens.py"
    # next over `yield`: the generator's next line once the for loop resumes it, not the loop.
    rc, out, err = replay(reel_bin, trace,
                          f"break {prog}:4; c; delete; p k; n; p k; n; n; p k; n; p k; rn; p k; "
                          "rn; rn; p k")
    assert rc == 0, err
    assert [l for l, _ in stops(out, "gens")] == [4, 5, 3, 4, 5, 4, 3, 5], out
    assert set(fn for _, fn in stops(out, "gens")) == {"numbers"}, out
    assert values(out) == ["0", "0", "1", "1", "1", "0"], out
    # finish from inside the generator: after it returns, when the loop is done.
    rc, out, err = replay(reel_bin, trace, f"break {prog}:2; c; delete; finish; p seen")
    assert rc == 0, err
    assert stops(out, "gens")[-1] == (11, "consume"), out
    assert values(out)[-1] == "[0, 10, 20]", out


def test_next_in_a_generator_that_never_resumes(reel_bin, record, tmp_path):
    trace, _, err, rc = record(GENERATORS, name="gens")
    assert rc == 0, err
    prog = tmp_path / "gens.py"
    # first_two's generator yields twice and is never resumed: next on its second `yield`
    # stops at that suspension (where step would), and the next `next` goes on in the caller.
    rc, out, err = replay(reel_bin, trace,
                          f"break {prog}:21; c; delete; break {prog}:4; c; c; delete; n; n")
    assert rc == 0, err
    assert "--Yield-- 10" in out, out
    assert stops(out, "gens")[-2:] == [(4, "numbers"), (24, "first_two")], out
    # finish there runs to the end of the trace: the frame never returns.
    rc, out, err = replay(reel_bin, trace,
                          f"break {prog}:21; c; delete; break {prog}:4; c; c; delete; finish")
    assert rc == 0, err
    assert "No further stop: at the end of the trace." in out, out


# The awaited task fails; `inner` catches it and returns. On 3.11 `outer` then goes on without a
# 'call' event (the delegate's value is sent past its RESUME: REENTER in docs/format.md); the
# debugger must see the same frame coming back, as on 3.12+.
THROWN_IN = """\
import asyncio


async def fails():
    await asyncio.sleep(0)
    raise ValueError("boom")


async def inner():
    t = asyncio.ensure_future(fails())
    try:
        await t
    except ValueError as e:
        return str(e)


async def outer():
    r = await inner()
    x = r + "!"
    return x


print(asyncio.run(outer()))
"""


def test_stepping_over_an_await_whose_delegate_catches_what_was_thrown_in(reel_bin, record,
                                                                           tmp_path):
    trace, out, err, rc = record(THROWN_IN, name="thrown")
    assert rc == 0 and out == "boom!\n", err
    prog = tmp_path / "thrown.py"
    # until over the await: outer's next line, not inner's return nor the event loop; rnext back
    # across it to the await line, in the same frame.
    rc, out, err = replay(reel_bin, trace, f"break {prog}:18; c; delete; until 19; p r; rn")
    assert rc == 0, err
    assert stops(out, "thrown") == [(18, "outer"), (19, "outer"), (18, "outer")], out
    assert values(out) == ["'boom'"], out
    # step from inner's return: the same outer frame comes back, and the stack holds one outer
    # (`where` lists it last, with no inner above it).
    rc, out, err = replay(reel_bin, trace, f"break {prog}:14; c; delete; s; s; where")
    assert rc == 0, err
    after = out.split("--Return-- 'boom'\n")[1]
    assert stops(after, "thrown") == [(14, "inner"), (18, "outer"), (18, "outer")], out
    assert "--Resume--" in after, out  # an event of its own on 3.12+, none on 3.11: the same
    where = after.split("-> r = await inner()\n", 1)[1]
    assert len(re.findall(r"thrown\.py\(\d+\)outer\(\)$", where, re.M)) == 1, out
    assert not re.search(r"thrown\.py\(\d+\)inner\(\)$", where, re.M), out


# --- pdb commands: b, r, until/runtil, tbreak, break FUNCTION, display ----------------------------

def record_inventory(record, source_dir):
    trace, _, err, rc = record(source_dir / "examples" / "inventory.py")
    assert rc == 1 and "ValueError: not enough bolt" in err, err
    return trace


def test_break_function_and_tbreak(reel_bin, record, source_dir):
    trace = record_inventory(record, source_dir)
    # By qualified name: the first line of each call (not the def line).
    rc, out, err = replay(reel_bin, trace,
                          "break Inventory.reserve; c; p sku; p qty; c; p sku; p qty")
    assert rc == 0, err
    assert re.search(r"^Breakpoint 1 at Inventory\.reserve\(\) \(\S*inventory\.py:33\)$", out, re.M)
    assert stops(out, "inventory") == [(34, "reserve"), (34, "reserve")], out
    assert values(out)[-4:] == ["'bolt'", "40", "'nut'", "10"], out
    # By name and file, temporary, with a condition: stops once, then the failure.
    rc, out, err = replay(reel_bin, trace,
                          "tbreak inventory.py:reserve if sku == 'gear'; c; p qty; c; info break")
    assert rc == 0, err
    assert re.search(r"^Deleted breakpoint 1 at reserve\(\)", out, re.M), out
    assert values(out)[1] == "3", out
    assert "--Exception-- ValueError('not enough bolt: have 60, need 70') raised" in out, out
    assert out.rstrip().endswith("No breakpoints."), out
    # A generator function: the first line of its call, once (not at each resume).
    rc, out, err = replay(reel_bin, trace, "b orders; c; c")
    assert rc == 0, err
    assert stops(out, "inventory")[0] == (43, "orders"), out
    assert "--Exception-- ValueError" in out, out
    # Names that did not run are refused, and the script fails.
    rc, out, err = replay(reel_bin, trace, "break Inventory.release")
    assert rc == 1 and err == "*** no function named 'Inventory.release' ran in this trace\n", err


def test_b_is_break_and_r_is_return(reel_bin, record, source_dir):
    trace = record_inventory(record, source_dir)
    # `b 36` in the current file, as in pdb; `r` leaves reserve() for process().
    rc, out, err = replay(reel_bin, trace,
                          "b inventory.py:34; c; b 36; delete 1; catch off; c; p qty; r")
    assert rc == 0, err
    assert re.search(r"^Breakpoint 2 at \S*inventory\.py:36$", out, re.M), out
    assert stops(out, "inventory")[:2] == [(34, "reserve"), (36, "reserve")], out
    assert "70" in values(out), out
    # r from the raise: reserve unwinds; the stop is in process, where the exception arrives.
    assert stops(out, "inventory")[-1] == (52, "process"), out


def test_until_and_runtil_over_a_loop(reel_bin, record, source_dir):
    trace = record_inventory(record, source_dir)
    # From the loop body in process(): until runs the rest of the loop (both lines of ada's
    # order), stopping after it; runtil goes back to the loop's last test, then before the loop.
    rc, out, err = replay(reel_bin, trace,
                          "b inventory.py:52; c; delete; until; p total; runtil; runtil")
    assert rc == 0, err
    assert stops(out, "inventory") == [(52, "process"), (53, "process"), (51, "process"),
                                       (50, "process")], out
    assert values(out)[-1] == "11.0", out
    # until in main's `for order in orders()` loop: across calls and the generator's resumes,
    # until a line after 60; until LINE.
    rc, out, err = replay(reel_bin, trace, "b inventory.py:60; c; delete; until 62; p amount")
    assert rc == 0, err
    assert stops(out, "inventory")[-1] == (62, "main"), out
    assert values(out)[-1] == "11.0", out
    rc, out, err = replay(reel_bin, trace, "b inventory.py:60; c; until 59")
    assert rc == 1 and err == "*** until: line 59 is not after the current line (60)\n", err


def test_next_in_the_orders_generator(reel_bin, record, source_dir):
    trace = record_inventory(record, source_dir)
    # next over a `yield` in orders(): its next line once main's loop asks for the next order,
    # after process() ran for the first one...
    rc, out, err = replay(reel_bin, trace, "b orders; c; delete; n; n")
    assert rc == 0, err
    assert stops(out, "inventory") == [(43, "orders"), (44, "orders"), (46, "orders")], out
    # ...unless a breakpoint there stops it first.
    rc, out, err = replay(reel_bin, trace, "b orders; c; b Inventory.reserve; n; p sku")
    assert rc == 0, err
    assert stops(out, "inventory")[-1] == (34, "reserve"), out
    assert values(out)[-1] == "'bolt'", out


def test_display_in_a_loop(reel_bin, record, source_dir):
    trace = record_inventory(record, source_dir)
    rc, out, err = replay(reel_bin, trace,
                          "b inventory.py:52; c; delete; display total; display sku; n; n; n; n")
    assert rc == 0, err
    shown = [l for l in out.splitlines() if l.startswith("display ")]
    assert shown == ["display total: 0.0", "display sku: 'bolt'",
                     "display total: 10.0  [old: 0.0]",
                     "display sku: 'nut'  [old: 'bolt']",
                     "display total: 11.0  [old: 10.0]"], out


# --- all-stop: a breakpoint on another thread stops a step and switches to that thread ----------

def record_threads(record):
    # tests/programs/threads.py: the main thread's line 19 runs a worker thread to its end (and
    # emits no event meanwhile); each worker's line 15 appends its result. --only keeps the
    # threading module's frames out, so a worker's stack is its work() frame.
    trace, out, err, rc = record(PROGRAMS_DIR / "threads.py", extra=["--only", str(PROGRAMS_DIR)])
    assert rc == 0 and out == "[('t0', 6), ('t1', 10), ('t2', 15)]\n", err
    return trace


SWITCH = re.compile(r"^\[Switching to thread (\d+) \(work\)\]\nBreakpoint 2 at \S*threads\.py:15\n"
                    r"\[event \d+/\d+\]  thread \1 \(work\)\n> \S*threads\.py\(15\)work\(\)$", re.M)


def test_breakpoint_on_another_thread_stops_every_step(reel_bin, record):
    trace = record_threads(record)
    for step in ("next", "step", "until", "finish"):
        rc, out, err = replay(reel_bin, trace,
                              "break threads.py:19; c; break threads.py:15; "
                              f"{step}; p name; p acc; n; where")
        assert rc == 0, err
        # Where the main thread would have gone on to line 18, the worker's breakpoint stops the
        # step, and the session follows the worker from then on.
        assert SWITCH.search(out), (step, out)
        assert values(out)[:2] == ["'t0'", "6"], (step, out)
        assert stops(out, "threads")[:2] == [(19, "<module>"), (15, "work")], (step, out)
        assert all(fn == "work" for _, fn in stops(out, "threads")[2:]), (step, out)


def test_reverse_steps_and_a_pinned_thread_switch_too(reel_bin, record):
    trace = record_threads(record)
    # From line 19 of the second iteration: rnext reaches line 18 (same iteration), then crosses
    # the first worker, whose last hit of line 15 stops it.
    rc, out, err = replay(reel_bin, trace,
                          "break threads.py:19; c; c; break threads.py:15; rn; rn; p name")
    assert rc == 0, err
    assert stops(out, "threads")[-3:] == [(19, "<module>"), (18, "<module>"), (15, "work")], out
    assert SWITCH.search(out), out
    assert values(out)[-1] == "'t0'", out
    # `thread 0` pinned the main thread: the stop moves the pin to the worker (no "showing
    # thread 0"), and `threads` marks it followed.
    rc, out, err = replay(reel_bin, trace,
                          "break threads.py:19; c; thread 0; break threads.py:15; n; threads")
    assert rc == 0, err
    assert SWITCH.search(out), out
    assert "showing" not in out, out
    assert re.search(r"^\* thread \d+ \(work\)", out, re.M), out
    # Without breakpoints elsewhere, next stays on the main thread, as before.
    rc, out, err = replay(reel_bin, trace, "break threads.py:19; c; n")
    assert rc == 0, err
    assert "Switching" not in out, out
    assert stops(out, "threads")[-1] == (18, "<module>"), out
