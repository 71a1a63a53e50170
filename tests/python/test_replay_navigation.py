"""`reel replay` navigation on real recordings of generator and coroutine programs: `next` and
`rnext` stay in a generator or coroutine frame across its suspensions (as pdb's `next` does),
`finish` runs until such a frame really returns, and breakpoints hit while it is suspended stop.
Each test records its program with the interpreter under test (3.11, 3.12, 3.13)."""

import re
import subprocess

from conftest import RUN_TIMEOUT

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
            if not line.startswith(("[event", "> ", "-> ", "Breakpoint", "Deleted", "(this"))]


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
