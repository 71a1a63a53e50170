"""Sharing traces (issue 6): `reel slice`, `reel export --chrome/--json`, and traces that open
after the recorded program's files are gone."""

import json
import os
import pathlib
import re
import shutil
import subprocess
import textwrap

import pytest

from conftest import PROGRAMS_DIR, RUN_TIMEOUT

PROGRAM = textwrap.dedent('''\
    import sys
    import threading
    from helper import scale

    def gen(n):
        total = 0
        for i in range(n):
            total += i
            yield scale(total)

    def risky(x):
        if x % 4 == 3:
            raise ValueError("bad %d" % x)
        return x * 2

    def worker(out):
        out.append(sum(gen(5)))

    results = []
    for k in range(12):
        try:
            results.append(risky(k))
        except ValueError as e:
            print("caught", e)
            sys.stderr.write("warn %d\\n" % k)
    out = []
    t = threading.Thread(target=worker, args=(out,), name="worker")
    t.start()
    t.join()
    print("gen", list(gen(6)), out)
    print("results", results)
    ''')

HELPER = textwrap.dedent('''\
    def scale(v):
        factor = 3
        return v * factor
    ''')


def run(cmd, cwd=None, env=None):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode(
        "utf-8", "replace")


def record(python_exe, reel_env, program_dir, out):
    rc, so, se = run([python_exe, "-m", "reel", "record", "-o", out, "prog.py"], cwd=program_dir,
                     env=reel_env)
    assert out.exists(), se
    assert rc == 0, se
    return so, se


@pytest.fixture(scope="module")
def recorded(python_exe, reel_env, tmp_path_factory):
    d = tmp_path_factory.mktemp("share")
    prog = d / "prog"
    prog.mkdir()
    (prog / "prog.py").write_text(PROGRAM)
    (prog / "helper.py").write_text(HELPER)
    trace = d / "prog.reel"
    record(python_exe, reel_env, prog, trace)
    return trace


def info(reel_bin, trace):
    rc, out, err = run([reel_bin, "info", "--json", trace])
    assert rc == 0, err
    return json.loads(out)


def event_range(reel_bin, trace):
    rc, out, err = run([reel_bin, "replay", trace, "-c", "info"])
    assert rc == 0, err
    line = next(l for l in out.splitlines() if l.startswith("Events:"))
    # "Events:     N (FIRST to LAST), now at P"
    first, last = line.split("(")[1].split(")")[0].split(" to ")
    return int(first), int(last)


def at_event(reel_bin, trace, n, extra=""):
    """What the debugger shows at event n: position, stack, locals of every frame, output."""
    cmds = "goto %d; where; locals -a; output stdout; output stderr" % n
    rc, out, err = run([reel_bin, "replay", trace, "-c", cmds + extra])
    assert rc == 0, err
    # The position line names the trace's last event (and threads, when it has several): the
    # rest must be identical.
    head, _, rest = out.partition("\n")
    assert head.startswith("[event %d/" % n), head
    return rest.replace("(this is the end of the trace)\n", "")


def states(reel_bin, trace, *extra):
    rc, out, err = run([reel_bin, "export", "--states", *extra, trace])
    assert rc == 0, err
    return out.splitlines()


# ---- slice ---------------------------------------------------------------------------------


def test_slice_replays_to_the_same_states(reel_bin, recorded, tmp_path):
    first, last = event_range(reel_bin, recorded)
    assert first == 0 and last > 2000
    windows = [(0, last), (0, 150), (last - 150, last), (last // 2, last // 2),
               (last // 3, 2 * last // 3)]
    full = states(reel_bin, recorded)
    for a, b in windows:
        out = tmp_path / ("s%d_%d.reel" % (a, b))
        rc, so, se = run([reel_bin, "slice", recorded, "--from", a, "--to", b, "-o", out])
        assert rc == 0, se
        assert "events %d..%d" % (a, b) in so
        assert event_range(reel_bin, out) == (a, b)
        rc, so, se = run([reel_bin, "verify", out])
        assert rc == 0, so + se
        doc = info(reel_bin, out)
        assert doc["events"] == b - a + 1
        if a > 0:
            assert doc["slice"]["firstEvent"] == a and doc["slice"]["lastEvent"] == b
        else:
            assert "slice" not in doc
        # Same debugger view at kept events, by the same event numbers.
        for n in sorted({a, b, (a + b) // 2, min(a + 1, b)}):
            assert at_event(reel_bin, out, n) == at_event(reel_bin, recorded, n), n
        # The fidelity export of a slice is the original's, restricted to the window: all of it,
        # a prefix, a suffix, or a contiguous run.
        part = states(reel_bin, out)
        if (a, b) == (0, last):
            assert part == full
        elif a == 0:
            assert part == full[:len(part)]
        elif b == last:
            assert part == full[len(full) - len(part):]
        else:
            assert any(full[i:i + len(part)] == part for i in range(len(full) - len(part) + 1))


def test_slice_carries_earlier_output_and_keeps_exceptions(reel_bin, recorded, tmp_path):
    _, last = event_range(reel_bin, recorded)
    out = tmp_path / "tail.reel"
    assert run([reel_bin, "slice", recorded, "--from", last - 50, "-o", out])[0] == 0
    rc, so, se = run([reel_bin, "replay", out, "-c", "end; output stdout; output stderr"])
    assert rc == 0, se
    assert "caught bad 3" in so and "warn 11" in so
    # Earlier output trimmed to its last bytes is marked as elided.
    cut = tmp_path / "cut.reel"
    assert run([reel_bin, "slice", recorded, "--from", last - 50, "--max-output", 10,
                "-o", cut])[0] == 0
    rc, so, se = run([reel_bin, "replay", cut, "-c", "end; output stdout"])
    assert rc == 0, se
    assert "earlier bytes of stdout are not in this slice]" in so
    # An exception raised inside the window is listed, with where it was handled.
    rc, so, se = run([reel_bin, "export", "--json", recorded])
    raises = [r for r in json.loads(so)["raises"] if r["exc"].startswith("ValueError")]
    assert raises and all(r["outcome"] == "handled" for r in raises)
    r = raises[-1]
    assert r["raised"]["fn"] == "risky" and r["ended"]["fn"] == "<module>"
    win = tmp_path / "exc.reel"
    a, b = r["raised"]["event"] - 5, r["ended"]["event"] + 5
    assert run([reel_bin, "slice", recorded, "--from", a, "--to", b, "-o", win])[0] == 0
    rc, so, se = run([reel_bin, "export", "--json", "-o", tmp_path / "exc.json", win])
    assert rc == 0 and so == "", se
    doc = json.loads((tmp_path / "exc.json").read_text())
    assert doc["first_event"] == a and doc["events"] == b - a + 1
    assert [x["index"] for x in doc["raises"]] == [r["index"]]
    assert doc["raises"][0]["ended"] == r["ended"]


def test_slice_by_thread_and_time(reel_bin, recorded, tmp_path):
    rc, so, se = run([reel_bin, "replay", recorded, "-c", "threads"])
    assert rc == 0, se
    out = tmp_path / "thread.reel"
    rc, so, se = run([reel_bin, "slice", recorded, "--thread", 1, "-o", out])
    assert rc == 0, se
    a, b = event_range(reel_bin, out)
    # The window is the worker thread's first..last event: both ends are on it.
    for n in (a, b):
        rc, so, se = run([reel_bin, "replay", out, "-c", "goto %d; threads" % n])
        assert rc == 0, se
        cur = [l for l in so.splitlines() if l.lstrip().startswith("*") or "<-" in l]
        assert any("thread 1 " in l for l in cur), so
    d = info(reel_bin, recorded)
    t = tmp_path / "time.reel"
    rc, so, se = run([reel_bin, "slice", recorded, "--from-time", 0, "--to-time", 1e6, "-o", t])
    assert rc == 0, se
    assert info(reel_bin, t)["events"] == d["events"]


def test_slice_by_time_in_a_busy_loop(python_exe, reel_env, reel_bin, tmp_path):
    # A loop that never waits fills its batches by size, long before the recorder's clock
    # interval: the TIME records must still come (at least one per batch), or every event is at
    # t = 0 and no --from-time window but 0 matches.
    (tmp_path / "busy.py").write_text(textwrap.dedent('''\
        s = 0
        for i in range(400000):
            s += i % 7
        print(s)
        '''))
    trace = tmp_path / "busy.reel"
    rc, so, se = run([python_exe, "-m", "reel", "record", "-o", trace, "busy.py"], cwd=tmp_path,
                     env=reel_env)
    assert rc == 0, se
    d = info(reel_bin, trace)
    assert d["chunks"]["events"] >= 3, d  # several batches, all handed over by size
    out = tmp_path / "later.reel"
    rc, so, se = run([reel_bin, "slice", trace, "--from-time", 1e-6, "-o", out])
    assert rc == 0, se
    first, last = event_range(reel_bin, out)
    assert 0 < first and last == d["events"] - 1


def test_the_replayed_clock_moves_every_few_thousand_events(python_exe, reel_env, reel_bin,
                                                            tmp_path):
    # A TIME record at each of the recorder's clock checks, not one per batch of up to a
    # million events: the GUI's "t =", the Chrome timeline and --from-time have that resolution.
    (tmp_path / "busy.py").write_text("s = 0\nfor i in range(60000):\n    s += i % 7\nprint(s)\n")
    trace = tmp_path / "busy.reel"
    rc, so, se = run([python_exe, "-m", "reel", "record", "-o", trace, "busy.py"], cwd=tmp_path,
                     env=reel_env)
    assert rc == 0, se
    events = info(reel_bin, trace)["events"]
    dump = subprocess.run([str(reel_bin), "dump", str(trace)], stdout=subprocess.PIPE, check=True,
                          timeout=RUN_TIMEOUT).stdout.decode()
    at, event = [], 0
    for m in re.finditer(r'"ev":(\d+)|"kind":"time"', dump):  # no json.loads per line: faster
        if m.group(1):
            event = int(m.group(1))
        else:
            at.append(event)
    assert len(at) > events // 20_000, (len(at), events)
    assert max(b - a for a, b in zip([0] + at, at + [events])) < 20_000, at


def test_slice_last_n_events(reel_bin, recorded, tmp_path):
    _, last = event_range(reel_bin, recorded)
    out = tmp_path / "last.reel"
    rc, so, se = run([reel_bin, "slice", recorded, "--last", "1k", "-o", out])
    assert rc == 0, se
    assert event_range(reel_bin, out) == (last - 999, last)
    rc, so, se = run([reel_bin, "slice", recorded, "--last", "5G", "-o", tmp_path / "all.reel"])
    assert rc == 0, se
    assert event_range(reel_bin, tmp_path / "all.reel") == (0, last)
    rc, so, se = run([reel_bin, "slice", recorded, "--last", "12x", "-o", tmp_path / "x.reel"])
    assert rc == 2 and "--last takes a number of events" in se


@pytest.mark.parametrize("args,message", [
    (["--from", 10, "--to", 5], "empty window"),
    (["--to", 10 ** 9], "--to 1000000000 is out of range: the trace has events 0.."),
    (["--from", 10 ** 9], "is out of range"),
    (["--thread", 99], "no such thread"),
    (["--from-time", 1e6], "no event of the window"),
])
def test_slice_bad_windows_exit_2(reel_bin, recorded, tmp_path, args, message):
    out = tmp_path / "bad.reel"
    rc, so, se = run([reel_bin, "slice", recorded, *args, "-o", out])
    assert rc == 2
    assert message in se
    assert se.startswith("reel: slice: ")
    assert not out.exists() and not pathlib.Path(str(out) + ".partial").exists()


def test_slice_refuses_bad_input(reel_bin, recorded, tmp_path):
    junk = tmp_path / "junk.reel"
    junk.write_bytes(b"not a trace at all")
    rc, so, se = run([reel_bin, "slice", junk, "-o", tmp_path / "x.reel"])
    assert rc == 2 and "not a readable trace" in se
    rc, so, se = run([reel_bin, "slice", recorded, "-o", recorded])
    assert rc == 2 and "overwrite" in se


# ---- exports -------------------------------------------------------------------------------


def check_chrome(doc, closed=None):
    """Checks the document's shape and B/E balance; counts into `closed` (a Counter) the slices
    each E closes by name, when given."""
    assert isinstance(doc, dict) and isinstance(doc["traceEvents"], list)
    stacks = {}
    last_ts = {}
    names = set()
    for e in doc["traceEvents"]:
        assert e["ph"] in ("B", "E", "i", "M")
        assert isinstance(e["pid"], int) and isinstance(e["tid"], int)
        if e["ph"] == "M":
            continue
        assert e["ts"] >= last_ts.get(e["tid"], 0), e
        last_ts[e["tid"]] = e["ts"]
        if e["ph"] == "B":
            stacks.setdefault(e["tid"], []).append(e["name"])
            names.add(e["name"])
            assert ":" in e["args"]["at"]
        elif e["ph"] == "E":
            assert stacks.get(e["tid"]), "E without B on thread %d" % e["tid"]
            name = stacks[e["tid"]].pop()
            if closed is not None and not e["args"].get("unfinished"):
                closed[name] += 1
    assert all(not s for s in stacks.values()), "unbalanced B/E"
    return names


def test_chrome_export_is_a_balanced_timeline(reel_bin, recorded, tmp_path):
    out = tmp_path / "t.json"
    rc, so, se = run([reel_bin, "export", "--chrome", out, recorded])
    assert rc == 0, se
    doc = json.loads(out.read_text())
    names = check_chrome(doc)
    assert {"<module>", "risky", "gen", "scale", "worker"} <= names
    ev = doc["traceEvents"]
    tids = {e["tid"] for e in ev if e["ph"] == "B"}
    assert len(tids) >= 2  # main thread and the worker
    thread_names = {e["args"]["name"] for e in ev if e.get("name") == "thread_name"}
    assert "MainThread" in thread_names and len(thread_names) >= 2
    raises = [e for e in ev if e["ph"] == "i" and e["name"].startswith("raise ValueError")]
    assert len(raises) == 3 and all("prog.py:" in e["args"]["at"] for e in raises)
    # One instant per write: together they are the program's output.
    stdout = "".join(e["args"]["text"] for e in ev if e["ph"] == "i" and e["name"] == "stdout")
    assert stdout.startswith("caught bad 3\ncaught bad 7\n") and "results [0, 2, 4" in stdout
    assert any(e["ph"] == "i" and e["name"] == "stderr" for e in ev)
    # ts in microseconds since the start: the run took well under a minute.
    assert 0 <= max(e["ts"] for e in ev if "ts" in e) < 60e6
    # A slice's timeline is balanced too (calls entered before it are not opened).
    _, last = event_range(reel_bin, recorded)
    s = tmp_path / "s.reel"
    assert run([reel_bin, "slice", recorded, "--from", last // 2, "-o", s])[0] == 0
    rc, so, se = run([reel_bin, "export", "--chrome", "-", s])
    assert rc == 0, se
    check_chrome(json.loads(so))


def test_chrome_slices_end_where_frames_return_or_yield(reel_bin, python_exe, reel_env,
                                                        tmp_path):
    # delegate_throw.py: on 3.11 its delegating frames go on after a throw without a 'call'
    # event (REENTER, docs/format.md): their slices must open there so that each return or yield
    # closes one, as on 3.12+.
    import collections
    trace = tmp_path / "d.reel"
    rc, so, se = run([python_exe, "-m", "reel", "record", "-o", trace, "delegate_throw.py"],
                     cwd=PROGRAMS_DIR, env=reel_env)
    assert rc == 0, se
    rc, so, se = run([reel_bin, "export", "--chrome", "-", "--only", PROGRAMS_DIR, trace])
    assert rc == 0, se
    closed = collections.Counter()
    check_chrome(json.loads(so), closed)
    rc, so, se = run([reel_bin, "export", "--states", "--only", PROGRAMS_DIR, trace])
    assert rc == 0, se
    ends = collections.Counter(json.loads(l)["fn"] for l in so.splitlines()
                               if json.loads(l)["ev"] == "return")
    assert closed == ends
    assert closed["deleg"] == 7 and closed["chain"] >= 5  # deleg: 5 yields, 2 returns


def test_export_modes_are_exclusive(reel_bin, recorded, tmp_path):
    rc, so, se = run([reel_bin, "export", "--json", "--chrome", tmp_path / "x", recorded])
    assert rc == 2 and "one of --states, --json, --chrome" in se
    rc, so, se = run([reel_bin, "export", "--chrome", tmp_path / "no" / "x.json", recorded])
    assert rc == 2 and "cannot write" in se


# ---- self-contained traces -----------------------------------------------------------------


def test_trace_opens_after_the_program_is_gone(reel_bin, python_exe, reel_env, tmp_path):
    prog = tmp_path / "prog"
    prog.mkdir()
    (prog / "prog.py").write_text(PROGRAM)
    (prog / "helper.py").write_text(HELPER)
    trace = tmp_path / "prog.reel"
    record(python_exe, reel_env, prog, trace)
    before_states = states(reel_bin, trace)
    rc, before_list, se = run([reel_bin, "replay", trace, "-c", "break helper.py:3; c; list"])
    assert rc == 0, se

    # The program and its module are gone; the trace moves to another directory.
    shutil.rmtree(prog)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    shutil.move(str(trace), moved / "shared.reel")
    trace = moved / "shared.reel"
    cwd = tmp_path / "empty"
    cwd.mkdir()

    rc, so, se = run([reel_bin, "info", trace], cwd=cwd)
    assert rc == 0, se
    assert str(prog / "prog.py") in so and str(prog / "helper.py") in so
    doc = info(reel_bin, trace)
    texts = {s["path"]: s for s in doc["sourceFiles"]}
    assert texts[str(prog / "prog.py")]["hasText"] and texts[str(prog / "helper.py")]["hasText"]

    rc, so, se = run([reel_bin, "replay", trace, "-c", "break helper.py:3; c; list"], cwd=cwd)
    assert rc == 0, se
    assert so == before_list
    assert "return v * factor" in so and "factor = 3" in so
    rc, so, se = run([reel_bin, "replay", trace, "-c", "break prog.py:12; c; longlist; locals"],
                     cwd=cwd)
    assert rc == 0, se
    assert 'raise ValueError("bad %d" % x)' in so and "x = 0" in so
    assert states(reel_bin, trace) == before_states
    # And a slice of it is just as self-contained.
    s = moved / "slice.reel"
    assert run([reel_bin, "slice", trace, "--from", 500, "-o", s], cwd=cwd)[0] == 0
    rc, so, se = run([reel_bin, "replay", s, "-c", "break helper.py:3; c; list"], cwd=cwd)
    assert rc == 0, se
    assert "return v * factor" in so
