"""The recorder's hooks (issue 3, docs/recorder.md "Hooks per version"): sys.monitoring with C
callbacks on 3.12+, legacy C tracing (PyEval_SetTrace) on 3.11 and on request (REEL_HOOK=settrace
or reel.start(hook="settrace")). The acceptance test: every corpus program recorded with either
hook gives the same `reel export --states`, so the trace and the replayed state do not depend on
the hook."""

import json
import subprocess
import textwrap

import pytest

from conftest import RUN_TIMEOUT

MONITORING = "sys.monitoring+INSTRUCTION"
SETTRACE = "PyEval_SetTrace+f_trace_opcodes"


def _decode(b):
    return b.decode("utf-8", "surrogateescape")


def _has_monitoring(pyver):
    return tuple(map(int, pyver.split("."))) >= (3, 12)


def _run_monitored(python_exe, reel_env, pyver, body):
    """Runs `body` (with sys, reel, M = sys.monitoring and a small f(a) defined) as `python -c`
    on 3.12+ (skips before) and returns its stdout lines; it must exit 0."""
    if not _has_monitoring(pyver):
        pytest.skip("sys.monitoring is 3.12+")
    code = textwrap.dedent("""
        import sys, reel
        M = sys.monitoring
        def f(a):
            return a + 1
    """) + textwrap.dedent(body)
    proc = subprocess.run([python_exe, "-c", code], env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    assert "internal error" not in _decode(proc.stderr)
    return proc.stdout.decode().splitlines()


@pytest.fixture
def record_with(record_env):
    """record_with(hook, program_path) -> (trace, stdout, stderr, returncode)."""
    return lambda hook, program: record_env(program, hook, REEL_HOOK=hook)


def test_same_states_whichever_hook(corpus_program, pyver, record_with, export_states, info):
    """The acceptance test of the hooks: identical `reel export --states` from both."""
    if not _has_monitoring(pyver):
        pytest.skip("only legacy tracing exists on %s" % pyver)
    results = {}
    for hook in ("monitoring", "settrace"):
        trace, out, err, status = record_with(hook, corpus_program)
        assert trace.exists(), "%s: no trace (stderr: %s)" % (hook, err[-2000:])
        results[hook] = (out, err, status, export_states(trace))
        assert info(trace)["hook"] == (MONITORING if hook == "monitoring" else SETTRACE)
    mon, st = results["monitoring"], results["settrace"]
    assert mon[:3] == st[:3], "the program behaved differently under the two hooks"
    if mon[3] != st[3]:
        a, b = mon[3].split("\n"), st[3].split("\n")
        i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
        pytest.fail("first difference at line %d:\n monitoring %s\n settrace   %s"
                    % (i + 1, a[i] if i < len(a) else "<end>", b[i] if i < len(b) else "<end>"),
                    pytrace=False)


def test_default_hook_per_version(pyver, record_with, info, tmp_path):
    prog = tmp_path / "p.py"
    prog.write_text("x = 1\n")
    trace, _, err, status = record_with("auto", prog)
    assert status == 0, err
    assert info(trace)["hook"] == (MONITORING if _has_monitoring(pyver) else SETTRACE)


def test_bad_hook_names_are_refused(python_exe, reel_env, pyver, tmp_path):
    code = textwrap.dedent("""
        import reel
        for hook in ("bogus", "monitoring"):
            try:
                reel.start(%r, hook=hook)
            except ValueError as e:
                print("ValueError", e)
            else:
                reel.stop()
                print("started", hook)
    """ % str(tmp_path / "t.reel"))
    proc = subprocess.run([python_exe, "-c", code], env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    lines = proc.stdout.decode().splitlines()
    assert lines[0] == "ValueError reel: hook must be auto, monitoring or settrace, not 'bogus'"
    if _has_monitoring(pyver):
        assert lines[1] == "started monitoring"
    else:
        assert lines[1] == "ValueError reel: the monitoring hook needs CPython 3.12 or later"


def test_tool_ids_in_use_fall_back_to_settrace(python_exe, reel_env, pyver, tmp_path, info, dump):
    """Every free sys.monitoring tool id taken by the program: "auto" records with legacy tracing
    (same events), "monitoring" refuses clearly; the program's tools keep their ids."""
    if not _has_monitoring(pyver):
        pytest.skip("sys.monitoring is 3.12+")
    trace = tmp_path / "t.reel"
    code = textwrap.dedent("""
        import sys, reel
        for i in range(6):
            sys.monitoring.use_tool_id(i, "other" + str(i))
        try:
            reel.start(%r, hook="monitoring")
        except RuntimeError as e:
            print("RuntimeError", e)
        def f(a):
            b = a + 1
            return b
        reel.start(%r)
        f(1)
        reel.stop()
        print([sys.monitoring.get_tool(i) for i in range(6)])
    """ % (str(tmp_path / "refused.reel"), str(trace)))
    proc = subprocess.run([python_exe, "-c", code], env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    lines = proc.stdout.decode().splitlines()
    assert lines[0].startswith("RuntimeError reel: every sys.monitoring tool id is in use")
    assert lines[1] == str(["other%d" % i for i in range(6)])
    assert info(trace)["hook"] == SETTRACE
    recs = [r for r in dump(trace) if r.get("fn") == "f" and "ev" in r]
    assert [r["kind"] for r in recs][:1] == ["call"] and recs[-1]["kind"] == "return"
    assert sum(r["kind"] == "opcode" for r in recs) >= 4


def test_tool_id_is_given_back(python_exe, reel_env, pyver, tmp_path):
    """After stop() the tool id is free again and no event of ours is left switched on."""
    out = _run_monitored(python_exe, reel_env, pyver, """
        before = [M.get_tool(i) for i in range(6)]
        reel.start(%r)
        during = [M.get_tool(i) for i in range(6)]
        tool = during.index("reel")
        f(1)
        reel.stop()
        after = [M.get_tool(i) for i in range(6)]
        print(before == after, M.get_events(tool), M.get_local_events(tool, f.__code__))
        # A second session in the same process records again (its filters start afresh).
        reel.start(%r)
        f(2)
        reel.stop()
        print("again", M.get_tool(tool))
    """ % (str(tmp_path / "a.reel"), str(tmp_path / "b.reel")))
    assert out == ["True 0 0", "again None"]
    assert (tmp_path / "b.reel").exists()


def test_handled_records_under_monitoring(pyver, record_with, dump, tmp_path):
    """sys.monitoring's EXCEPTION_HANDLED becomes a HANDLED record (handler offset) just before
    the handler's first opcode event; under legacy tracing, which has no such event, the recorder
    writes the same record when the frame the exception reached runs its next instruction."""
    prog = tmp_path / "h.py"
    prog.write_text(textwrap.dedent("""
        def f():
            try:
                raise KeyError(1)
            except KeyError:
                return 2
        f()
    """))
    hooks = ("monitoring", "settrace") if _has_monitoring(pyver) else ("settrace",)
    for hook in hooks:
        trace, _, err, status = record_with(hook, prog)
        assert status == 0, err
        recs = [r for r in dump(trace) if r.get("fn") == "f"]
        handled = [i for i, r in enumerate(recs) if r.get("kind") == "handled"]
        assert len(handled) == 1, hook
        nxt = recs[handled[0] + 1]
        assert nxt["kind"] == "opcode" and nxt["off"] == recs[handled[0]]["handler"]


def test_program_toggling_settrace_keeps_opcode_events(pyver, record_with, dump, tmp_path):
    """CPython 3.12.1/3.13.0 drop the per-code INSTRUCTION events of running code when
    sys.settrace/sys.setprofile is switched; the hook re-arms them at the next call event."""
    if not _has_monitoring(pyver):
        pytest.skip("sys.monitoring is 3.12+")
    prog = tmp_path / "toggle.py"
    prog.write_text(textwrap.dedent("""
        import sys
        def work(n):
            s = 0
            for i in range(n):
                s += i
            return s
        sys.setprofile(lambda *a: None)
        sys.setprofile(None)
        a = work(2)
        b = a + 1
        c = b * 2
    """))
    trace, _, err, status = record_with("monitoring", prog)
    assert status == 0, err
    lines = [r["line"] for r in dump(trace)
             if r.get("fn") == "<module>" and r.get("kind") == "opcode"]
    assert 11 in lines and 12 in lines


def test_coroutine_origins_recorded_once_each(python_exe, reel_env, tmp_path, dump):
    """--origin-depth N: each coroutine's cr_origin is recorded once (CORO_ORIGIN, at its first
    CALL), in the main thread and in threads started later; none without the option."""
    prog = tmp_path / "coro.py"
    prog.write_text(textwrap.dedent("""
        import asyncio, sys, threading
        async def leaf(n):
            await asyncio.sleep(0)
            return n
        async def main():
            return await leaf(1) + await leaf(2)
        print(asyncio.run(main()), sys.get_coroutine_origin_tracking_depth())
        t = threading.Thread(target=lambda: print(asyncio.run(main())))
        t.start()
        t.join()
    """))
    for depth in (0, 2):
        trace = tmp_path / ("coro%d.reel" % depth)
        proc = subprocess.run([python_exe, "-m", "reel", "record", "--origin-depth", str(depth),
                               "-o", str(trace), str(prog)], cwd=tmp_path, env=reel_env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        assert proc.returncode == 0, _decode(proc.stderr)
        assert _decode(proc.stdout) == "3 %d\n3\n" % depth
        recs = dump(trace)
        calls = {r["frame"]: r for r in recs if r.get("kind") == "call"
                 and r.get("fn") in ("main", "leaf")}
        origins = [r for r in recs if r.get("kind") == "coro_origin"]
        if depth == 0:
            assert origins == []
            continue
        assert len(calls) == 6  # main + 2 leaves, in each of the two threads
        targets = [r["target_frame"] for r in origins]  # also asyncio's own coroutines (sleep)
        assert len(targets) == len(set(targets)), "an origin recorded twice"
        assert set(calls) <= set(targets)
        # Each origin follows its CALL and FRAME_OBJECT records.
        for i, r in enumerate(recs):
            if r.get("kind") == "coro_origin" and r["target_frame"] in calls:
                assert recs[i - 1]["kind"] == "frame_object"


def test_callbacks_survive_being_called_from_python(python_exe, reel_env, pyver, tmp_path, dump):
    """The callbacks are objects of their own type called through their vectorcall slot (docs/
    recorder.md, "sys.monitoring"); a program that takes one out of sys.monitoring and calls it
    with anything gets None, not a crash, and the recording goes on once it is put back."""
    out = _run_monitored(python_exe, reel_env, pyver, """
        reel.start(%r)
        tool = [M.get_tool(i) for i in range(6)].index("reel")
        ev = M.events.INSTRUCTION
        cb = M.register_callback(tool, ev, None)
        M.register_callback(tool, ev, cb)
        results = [cb(), cb(1), cb("x", 2, 3), cb(f.__code__, 0), cb(f.__code__, -5, None)]
        for i in range(3):
            f(i)
        reel.stop()
        print(type(cb).__name__, results)
    """ % str(tmp_path / "a.reel"))
    assert out == ["MonitoringCallback [None, None, None, None, None]"]
    # The calls of f made after the direct calls are all in the trace, with their opcodes.
    records = dump(tmp_path / "a.reel")
    calls = [r for r in records if r.get("kind") == "call" and r.get("fn") == "f"]
    opcodes = [r for r in records if r.get("kind") == "opcode" and r.get("fn") == "f"]
    assert len(calls) == 3
    assert len(opcodes) >= 3 * 2


THREAD_STATE_PROGRAM = r'''
import threading
from reel import _reel
seen = [_reel._tstate_direct()]
t = threading.Thread(target=lambda: seen.append(_reel._tstate_direct()))
t.start()
t.join()
print(seen)
'''


def test_thread_state_read_directly(pyver, record_with, tmp_path, dump):
    """3.12+ on x86-64 Linux: the callbacks read the thread state without CPython's getter
    (recorder/src/ThreadStateSlot.h), in the main thread and in a thread started while recording,
    and the thread's events are all there. Fails if the direct read falls back silently."""
    import platform
    program = tmp_path / "tstate.py"
    program.write_text(THREAD_STATE_PROGRAM)
    trace, out, err, status = record_with("monitoring" if _has_monitoring(pyver) else "settrace",
                                          program)
    assert status == 0, err
    expected = _has_monitoring(pyver) and platform.machine() == "x86_64"
    assert out.strip() == str([expected, expected]), out
    threads = {r["thread"] for r in dump(trace) if r.get("fn") == "<lambda>"}
    assert len(threads) == 1 and 0 not in threads, threads


_PDB_SESSION = textwrap.dedent("""
    import bdb, sys
    def work(n):
        total = 0
        for i in range(n):
            total += i
        breakpoint()
        total *= 2
        label = "done"
        return total, label
    print(work(4))
    class Events(bdb.Bdb):
        def trace_dispatch(self, frame, event, arg):
            seen.add(event)
            return self.trace_dispatch
    seen = set()
    tracer = Events()
    sys.settrace(tracer.trace_dispatch)
    sys._getframe().f_trace = tracer.trace_dispatch
    x = work.__name__
    sys.settrace(None)
    print(sorted(seen))
""")


_PDB_GENERATOR = textwrap.dedent("""
    def gen(n):
        for i in range(n):
            y = i * 2
            yield y
    def main():
        total = 0
        for x in gen(3):
            total += x
            if x == 2:
                breakpoint()
        print("total", total)
    main()
""")

PDB_SESSIONS = {
    # name: (program, pdb commands, what a plain run's stdout holds)
    "running_frames": (_PDB_SESSION, b"n\np total\nn\np label\nc\n",
                       ["(Pdb) ", "(12, 'done')", "['line']"]),
    # Steps into a generator that was suspended when pdb started, and resumes it again.
    "suspended_generator": (_PDB_GENERATOR, b"s\n" * 12 + b"c\n",
                            ["gen()\n-> y = i * 2", "gen()->4", "total 6"]),
}


@pytest.mark.parametrize("name", sorted(PDB_SESSIONS))
def test_program_tracer_gets_the_events_of_a_plain_run(name, python_exe, reel_bin, reel_env,
                                                        plain_env, tmp_path):
    """A tracer the program installs (pdb at a breakpoint(), a bdb subclass) gets a plain run's
    events in the frames that were running and in the generators that were suspended: under the
    legacy hook (3.11) those frames reported 'opcode' events and no 'line' events, so pdb printed
    "unknown debugging event: 'opcode'" at every instruction and did not stop at the next
    line."""
    source, commands, expected = PDB_SESSIONS[name]
    prog = tmp_path / "pdb_session.py"
    prog.write_text(source)
    runs = []
    for argv, env in (([python_exe, str(prog)], plain_env),
                      ([str(reel_bin), "record", "--python", python_exe, "-o",
                        str(tmp_path / "p.reel"), str(prog)], reel_env)):
        proc = subprocess.run(argv, input=commands, cwd=tmp_path, env=env, capture_output=True,
                              timeout=RUN_TIMEOUT)
        runs.append((_decode(proc.stdout), _decode(proc.stderr), proc.returncode))
    assert runs[0][2] == 0, runs[0][1]
    assert all(e in runs[0][0] for e in expected), runs[0][0]
    assert runs[1] == runs[0]
