"""Recording failing runs (issue 6) and the process-fidelity and output-capture parts of the
recorder (issue 3), on the interpreter under test ($REEL_TEST_PYTHON):

- `reel record --keep failure|always` and `reel.record(path, keep=...)`;
- os._exit, SIGTERM and SIGINT: same exit status and stdout/stderr bytes as a plain run, and the
  trace keeps everything recorded up to that point;
- output written through sys.stdout.buffer, os.write(1/2) and sys.__stdout__ is recorded, while
  the real stdout/stderr bytes stay those of a plain run;
- recording from inside a program (reel.record_from_here, PYTHONBREAKPOINT) includes the frames
  that were already running."""

import json
import os
import pathlib
import signal
import subprocess
import textwrap
import time

import pytest

from conftest import RUN_TIMEOUT


def _decode(b):
    return b.decode("utf-8", "surrogateescape")


@pytest.fixture
def write_program(tmp_path):
    def write(source, name="prog"):
        path = tmp_path / (name + ".py")
        path.write_text(textwrap.dedent(source))
        return path
    return write


@pytest.fixture
def states(reel_bin):
    def run(trace):
        proc = subprocess.run([str(reel_bin), "export", "--states", str(trace)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        assert proc.returncode == 0, _decode(proc.stderr)
        return [json.loads(line) for line in proc.stdout.decode().splitlines()]
    return run


def _calls(recs, fn):
    return sum(1 for r in recs if r.get("kind") == "call" and r.get("fn") == fn)


def _outputs(recs, stream):
    return b"".join(r["text"].encode("utf-8", "surrogateescape") for r in recs
                    if r.get("kind") == "output" and r.get("stream") == stream)


# --- --keep ----------------------------------------------------------------------------------

KEEP_CASES = [
    # (name, source, exit status, kept with --keep failure)
    ("success", "def f():\n    return 1\nf()\nprint('fine')\n", 0, False),
    ("sys_exit_0", "import sys\nsys.exit(0)\n", 0, False),
    ("sys_exit_none", "import sys\nsys.exit()\n", 0, False),
    ("os_exit_0", "import os\nprint('x', flush=True)\nos._exit(0)\n", 0, False),
    ("uncaught", "def f():\n    raise ValueError('bad')\nf()\n", 1, True),
    ("sys_exit_3", "import sys\nsys.exit(3)\n", 3, True),
    ("sys_exit_msg", "import sys\nsys.exit('failed!')\n", 1, True),
    ("os_exit_3", "import os\nos._exit(3)\n", 3, True),
    ("keyboard_interrupt", "raise KeyboardInterrupt\n", -signal.SIGINT, True),
    ("sigterm", "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n", -signal.SIGTERM, True),
    ("fatal_signal", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", -signal.SIGKILL, True),
]


@pytest.mark.parametrize("name, source, status, kept", KEEP_CASES, ids=[c[0] for c in KEEP_CASES])
def test_keep_failure_keeps_only_failed_runs(record, run_plain, write_program, name, source,
                                             status, kept, info):
    prog = write_program(source, name)
    trace, out, err, rc = record(prog, extra=["--keep", "failure"])
    assert rc == status, err
    assert (out, err, rc) == run_plain(prog), "a recorded run prints and exits as a plain one"
    partial = pathlib.Path(str(trace) + ".partial")
    if not kept:
        assert not trace.exists() and not partial.exists(), "a successful run leaves no trace"
        return
    if name == "fatal_signal":  # nothing runs after SIGKILL: the .partial is what is left
        assert partial.exists() and not trace.exists()
        assert info(partial)["state"] == "recovered"
        return
    assert trace.exists() and not partial.exists()
    j = info(trace)
    assert j["state"] == "complete"
    assert j["exit"]["kind"] in ("exited", "uncaught exception", "signal")
    assert j["exit"]["status"] == (-status if status < 0 else status)


@pytest.mark.parametrize("name, source, status, kept", KEEP_CASES[:6], ids=[c[0] for c in KEEP_CASES[:6]])
def test_keep_always_is_the_default(record, write_program, name, source, status, kept):
    prog = write_program(source, name)
    trace, out, err, rc = record(prog)
    assert rc == status, err
    assert trace.exists()
    trace2, out2, err2, rc2 = record(prog, extra=["--keep=always"])
    assert rc2 == status and trace2.exists()


def test_keep_failure_forked_child_leaves_parent_trace_alone(record, write_program, dump):
    # The child inherits the launcher's atexit handler; exiting with status 0 there must not
    # remove the parent's trace (still being written).
    prog = write_program("""
        import os, sys
        def parent_work():
            return sum(range(10))
        pid = os.fork()
        if pid == 0:
            sys.exit(0)  # runs atexit handlers in the child
        os.waitpid(pid, 0)
        parent_work()
        raise SystemExit(7)
    """, "forky")
    trace, out, err, rc = record(prog, extra=["--keep", "failure"])
    assert rc == 7, err
    assert trace.exists()
    assert _calls(dump(trace), "parent_work") == 1


def test_keep_rejects_unknown_value(python_exe, reel_env, tmp_path):
    proc = subprocess.run([python_exe, "-m", "reel", "record", "--keep", "sometimes", "p.py"],
                          env=reel_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=RUN_TIMEOUT)
    assert proc.returncode == 2
    assert "--keep must be one of always|failure" in _decode(proc.stderr)


def test_reel_record_cli_passes_keep(reel_bin, python_exe, write_program, tmp_path):
    ok = write_program("print('ok')\n", "ok")
    bad = write_program("raise SystemExit(5)\n", "bad")
    for prog, status, kept in ((ok, 0, False), (bad, 5, True)):
        proc = subprocess.run([str(reel_bin), "record", "--python", python_exe, "--keep", "failure",
                               str(prog)], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        assert proc.returncode == status, _decode(proc.stderr)
        assert proc.stderr == b""
        assert (tmp_path / (prog.stem + ".reel")).exists() == kept


def test_relative_trace_path_survives_a_change_of_directory(python_exe, reel_env, write_program,
                                                            tmp_path, dump):
    # A relative -o names a file where recording started; a program that changes its working
    # directory (CPython's test runner does) must not move the trace, break its closing rename
    # (it was left as .partial with "cannot rename"), or make --keep failure remove the wrong
    # file. Same for reel.record with a relative path.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for status, keep, kept in ((3, "failure", True), (0, "failure", False), (0, "always", True)):
        prog = write_program("""
            import os, sys
            def work():
                return 6 * 7
            os.chdir(%r)
            work()
            sys.exit(%d)
        """ % (str(elsewhere), status), "wanders")
        proc = subprocess.run([python_exe, "-m", "reel", "record", "-o", "rel.reel", "--keep", keep,
                               str(prog)], env=reel_env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        assert proc.returncode == status and proc.stderr == b"", _decode(proc.stderr)
        assert (tmp_path / "rel.reel").exists() == kept, (status, keep)
        assert not list(tmp_path.glob("rel.reel.partial")) and not list(elsewhere.iterdir())
        if kept:
            assert _calls(dump(tmp_path / "rel.reel"), "work") == 1
            (tmp_path / "rel.reel").unlink()
    prog = write_program("""
        import os, reel
        with reel.record("api.reel"):
            os.chdir(%r)
        with reel.record("gone.reel", keep="failure"):
            pass
        os.chdir("..")
        reel.start("start.reel")
        os.chdir(%r)
        reel.stop()
    """ % (str(elsewhere), str(elsewhere)), "api")
    proc = subprocess.run([python_exe, str(prog)], env=reel_env, cwd=tmp_path,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0 and proc.stderr == b"", _decode(proc.stderr)
    assert (tmp_path / "api.reel").exists() and (tmp_path / "start.reel").exists()
    assert not list(elsewhere.iterdir())


def test_python_api_keep_failure(python_exe, reel_env, write_program, tmp_path, dump):
    prog = write_program("""
        import reel, sys
        def work(n):
            if n < 0:
                raise ValueError(n)
            return n * 2
        with reel.record("ok.reel", keep="failure"):
            work(1)
        try:
            with reel.record("bad.reel", keep="failure"):
                work(-1)
        except ValueError:
            pass
        try:
            with reel.record("exit0.reel", keep="failure"):
                sys.exit(0)
        except SystemExit:
            pass
        with reel.record("always.reel"):
            work(2)
        try:
            reel.record("x.reel", keep="maybe")
        except ValueError as e:
            print(e)
    """)
    proc = subprocess.run([python_exe, str(prog)], cwd=tmp_path, env=reel_env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    assert b"keep must be one of always|failure" in proc.stdout
    assert not (tmp_path / "ok.reel").exists() and not (tmp_path / "exit0.reel").exists()
    assert (tmp_path / "always.reel").exists()
    recs = dump(tmp_path / "bad.reel")
    assert _calls(recs, "work") == 1
    assert any(r.get("kind") == "exception" and r.get("fn") == "work" for r in recs)


# --- process fidelity: os._exit, SIGTERM, SIGINT --------------------------------------------

def test_os_exit_same_as_plain_and_trace_complete(record, run_plain, write_program, info, dump):
    prog = write_program("""
        import os, sys
        def f(n):
            return n * 2
        for i in range(50):
            f(i)
        print("maybe lost by os._exit")
        sys.stderr.write("err line\\n")
        os.write(1, b"raw\\n")
        os._exit(3)
    """, "osexit")
    trace, out, err, rc = record(prog)
    assert (out, err, rc) == run_plain(prog)
    assert rc == 3 and out.endswith("raw\n")
    j = info(trace)
    assert j["state"] == "complete"
    assert j["exit"] == {"kind": "exited", "status": 3, "message": "os._exit"}
    recs = dump(trace)
    assert _calls(recs, "f") == 50
    # Whether the print reached the fd (os._exit discards stdout's buffer unless it is
    # unbuffered), the trace records the call.
    assert _outputs(recs, 1) == b"maybe lost by os._exit\nraw\n"


@pytest.mark.parametrize("tail, kind", [("", "exited"), ("raise KeyError('k')\n", "uncaught exception")])
def test_failed_flush_at_shutdown_is_the_traces_status(record_env, python_exe, plain_env,
                                                       write_program, info, tail, kind):
    # The interpreter flushes sys.stdout after the atexit handlers (where the trace is closed)
    # and exits with 120 when that fails, whatever the status was: here fd 1 is gone while a
    # line is still buffered. PYTHONUNBUFFERED (set on some machines) would write it at once.
    prog = write_program("import os\nprint('buffered')\nos.close(1)\n" + tail, "closed_stdout")
    trace, out, err, rc = record_env(prog, "flush", PYTHONUNBUFFERED="")
    plain = subprocess.run([python_exe, str(prog)], cwd=prog.parent,
                           env=dict(plain_env, PYTHONUNBUFFERED=""), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert (out, err, rc) == ("", _decode(plain.stderr), plain.returncode) == ("", err, 120)
    assert "Bad file descriptor" in err
    j = info(trace)
    assert j["state"] == "complete"
    assert (j["exit"]["kind"], j["exit"]["status"]) == (kind, 120)


def test_exec_closes_the_trace_first(record, run_plain, write_program, info, dump):
    """os.exec* replaces the process image (no atexit): the trace is closed before it, so the run
    up to the exec is kept, complete. os.execvp's attempts on PATH entries that cannot hold the
    program fail as in a plain run, recorded, before the one that succeeds."""
    prog = write_program("""
        import os, sys
        def f(n):
            return n * 2
        for i in range(20):
            f(i)
        print("before exec", flush=True)
        os.environ["PATH"] = "/nonexistent-reel-dir:" + os.path.dirname(sys.executable)
        os.execvp(os.path.basename(sys.executable),
                  [sys.executable, "-c", "print('the new program')"])
    """, "execs")
    trace, out, err, rc = record(prog)
    assert (out, err, rc) == run_plain(prog)
    assert out == "before exec\nthe new program\n"
    j = info(trace)
    assert j["state"] == "complete"
    assert j["exit"]["kind"] == "stopped by API"
    assert j["exit"]["message"].startswith("os.execv replaced the process by ")
    recs = dump(trace)
    assert _calls(recs, "f") == 20
    assert _calls(recs, "_execvpe") == 1
    assert _outputs(recs, 1) == b"before exec\n"


API_PROCESS_ENDS = {
    # name: (source, exit status, what stdout must be)
    "exit": ("""
        import os, reel
        def f(n):
            return n * 2
        with reel.record("exit.reel"):
            for i in range(30):
                f(i)
            print("in the block", flush=True)
            os._exit(4)
    """, 4, "in the block\n"),
    "exit0_keep_failure": ("""
        import os, reel
        with reel.record("gone.reel", keep="failure"):
            print("leaving", flush=True)
            os._exit(0)
    """, 0, "leaving\n"),
    "exec": ("""
        import os, reel, sys
        def f(n):
            return n * 2
        reel.start("exec.reel")
        for i in range(20):
            f(i)
        os.execv(sys.executable, [sys.executable, "-c", "print('the new program')"])
    """, 0, "the new program\n"),
    "put_back": ("""
        import os, reel
        real = (os._exit, os.execv, os.execve)
        with reel.record("put_back.reel"):
            inside = tuple(a is not b for a, b in zip((os._exit, os.execv, os.execve), real))
        print(inside, (os._exit, os.execv, os.execve) == real)
    """, 0, "(True, True, True) True\n"),
}


@pytest.mark.parametrize("name", sorted(API_PROCESS_ENDS))
def test_api_closes_the_trace_before_os_exit_and_exec(name, python_exe, reel_env, write_program,
                                                      tmp_path, info, dump):
    """The API (reel.record, reel.start) closes the trace before os._exit and os.exec* end the
    process, as `reel record` does: the run up to them is kept, complete; keep="failure" drops a
    status-0 exit; stop() puts the real functions back."""
    source, status, stdout = API_PROCESS_ENDS[name]
    prog = write_program(source, name)
    proc = subprocess.run([python_exe, str(prog)], cwd=tmp_path, env=reel_env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert (proc.returncode, proc.stdout.decode(), proc.stderr) == (status, stdout, b""), \
        _decode(proc.stderr)
    assert not list(tmp_path.glob("*.partial"))
    if name == "exit0_keep_failure":
        assert not (tmp_path / "gone.reel").exists()
        return
    trace = tmp_path / (name + ".reel")
    j = info(trace)
    assert j["state"] == "complete"
    recs = dump(trace)
    if name == "exit":
        assert j["exit"] == {"kind": "exited", "status": 4, "message": "os._exit"}
        assert _calls(recs, "f") == 30
        assert _outputs(recs, 1) == b"in the block\n"
    elif name == "exec":
        assert j["exit"]["kind"] == "stopped by API"
        assert j["exit"]["message"] == "os.execv replaced the process by " + python_exe
        assert _calls(recs, "f") == 20


def _start_until_ready(cmd, cwd, env):
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    assert p.stdout.readline() == b"ready\n"
    time.sleep(0.3)
    return p


LOOP = """
import atexit, sys, time
atexit.register(print, "atexit ran")
def tick(n):
    return n + 1
print("ready", flush=True)
n = 0
while True:
    n = tick(n)
    time.sleep(0.001)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_same_as_plain_and_trace_kept(python_exe, reel_env, plain_env, tmp_path, sig, info,
                                              dump):
    prog = tmp_path / "loop.py"
    prog.write_text(LOOP)
    trace = tmp_path / "loop.reel"
    results = []
    for cmd, env in (([python_exe, str(prog)], plain_env),
                     ([python_exe, "-m", "reel", "record", "-o", str(trace), str(prog)], reel_env)):
        p = _start_until_ready(cmd, tmp_path, env)
        p.send_signal(sig)
        out, err = p.communicate(timeout=RUN_TIMEOUT)
        results.append((p.returncode, b"ready\n" + out, err))
    (prc, pout, perr), (rrc, rout, rerr) = results
    assert rrc == prc == -sig
    assert rout == pout
    if sig == signal.SIGINT:
        # Where the interrupt lands differs run to run; the traceback's shape must not.
        assert pout == b"ready\natexit ran\n"
        assert perr.startswith(b"Traceback (most recent call last):\n")
        assert rerr.startswith(b"Traceback (most recent call last):\n")
        assert rerr.endswith(b"KeyboardInterrupt\n") and perr.endswith(b"KeyboardInterrupt\n")
        assert b"reel" not in rerr
        expected_exit = {"kind": "signal", "status": int(signal.SIGINT)}
    else:
        assert rerr == perr == b""
        expected_exit = {"kind": "signal", "status": int(signal.SIGTERM), "message": "SIGTERM"}
    assert trace.exists() and not pathlib.Path(str(trace) + ".partial").exists()
    j = info(trace)
    assert j["state"] == "complete"
    assert {k: j["exit"][k] for k in expected_exit} == expected_exit
    assert _calls(dump(trace), "tick") > 10


def test_sigterm_handler_is_invisible_to_the_program(record, run_plain, write_program, info,
                                                     dump):
    """The launcher's SIGTERM handler (which closes the trace) is not the program's: it reads
    SIG_DFL as in a plain run, and a handler chaining to the previous one when it is callable
    (a common graceful-shutdown pattern) carries on as it does there instead of dying. Restoring
    the default keeps the trace closed by a later SIGTERM."""
    prog = write_program("""
        import _signal, inspect, os, signal, time
        def work(n):
            return n * 2
        prev = signal.getsignal(signal.SIGTERM)
        print("before:", prev, _signal.getsignal(signal.SIGTERM))
        def handler(signum, frame):
            print("graceful", flush=True)
            if callable(prev):
                prev(signum, frame)
        print("replaced:", signal.signal(signal.SIGTERM, handler))
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        print("still running:", work(21))
        print("restored:", signal.signal(signal.SIGTERM, signal.SIG_DFL) is handler)
        print("now:", signal.getsignal(signal.SIGTERM), _signal.getsignal(signal.SIGTERM))
        print("ignored:", _signal.signal(signal.SIGTERM, _signal.SIG_IGN),
              signal.signal(signal.SIGTERM, 0))
        print(_signal.signal.__name__, _signal.getsignal.__name__, _signal.signal.__module__,
              inspect.signature(_signal.signal), inspect.signature(signal.getsignal))
        for call in (lambda: _signal.getsignal(), lambda: _signal.signal(signal.SIGTERM, 3)):
            try:
                call()
            except TypeError as e:
                print(e)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)
        print("not reached")
    """, "sigterm_chain")
    trace, out, err, rc = record(prog)
    assert (out, err, rc) == run_plain(prog)
    assert rc == -signal.SIGTERM
    assert "still running: 42\nrestored: True\n" in out and "not reached" not in out
    j = info(trace)
    assert j["state"] == "complete"
    assert j["exit"] == {"kind": "signal", "status": int(signal.SIGTERM), "message": "SIGTERM"}
    assert _calls(dump(trace), "work") == 1


def test_sigkill_partial_opens_as_recovered(python_exe, reel_env, tmp_path, reel_bin):
    prog = tmp_path / "loop.py"
    prog.write_text(LOOP)
    trace = tmp_path / "loop.reel"
    p = _start_until_ready([python_exe, "-m", "reel", "record", "-o", str(trace), str(prog)],
                           tmp_path, reel_env)
    time.sleep(1.2)  # past the writer's hand-over interval, so chunks are on disk
    p.kill()
    p.wait(timeout=RUN_TIMEOUT)
    partial = pathlib.Path(str(trace) + ".partial")
    assert partial.exists() and not trace.exists()
    proc = subprocess.run([str(reel_bin), "info", str(partial)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    text = _decode(proc.stdout)
    assert "recovered" in text
    assert "exit:          not recorded" in text


FILLS_THE_DISK = """
import sys
data = []
for i in range(300_000):
    data.append(str(i) * 3)
    if i % 100_000 == 0:
        print("at", i, flush=True)
print("done", len(data))
sys.exit(3)
"""


def test_a_full_disk_stops_recording_and_keeps_what_was_written(python_exe, reel_env, run_plain,
                                                                 write_program, tmp_path, info):
    """A trace file that cannot grow (here RLIMIT_FSIZE: EFBIG, as ENOSPC on a full disk) stops
    the recording with a message that says so, the program runs on as in a plain run, and the
    .partial file keeps the chunks written before."""
    import resource

    prog = write_program(FILLS_THE_DISK)
    trace = tmp_path / "full.reel"

    def limit():  # CPython ignores SIGXFSZ itself, so a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

    env = dict(reel_env, REEL_HANDOVER_MS="20")  # chunks of events reach the file early
    proc = subprocess.run([python_exe, "-m", "reel", "record", "-o", str(trace), str(prog)],
                          cwd=tmp_path, env=env, preexec_fn=limit, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    plain_out, _, plain_status = run_plain(prog)
    assert plain_status == 3
    assert (_decode(proc.stdout), proc.returncode) == (plain_out, plain_status)
    err = _decode(proc.stderr)
    partial = pathlib.Path(str(trace) + ".partial")
    assert "reel: cannot write the trace, recording stopped (the program goes on)" in err, err
    assert "File too large" in err
    assert "internal error" not in err
    assert "what was written before is kept in %s" % partial in err
    assert not trace.exists()
    got = info(partial)
    assert got["state"] == "recovered"
    assert got["events"] > 10_000


# --- output capture --------------------------------------------------------------------------

OUTPUT_PROGRAM = """
import io, os, sys
def text(s):
    print(s)
def raw_buffer(b):
    sys.stdout.buffer.write(b)
    sys.stdout.buffer.flush()
def raw_fd(fd, b):
    os.write(fd, b)
print(isinstance(sys.stdout, io.TextIOWrapper), isinstance(sys.stdout.buffer, io.BufferedWriter),
      sys.stdout is sys.__stdout__, sys.stderr is sys.__stderr__, os.write.__name__)
sys.stdout.flush()
text("one")
sys.stdout.flush()
raw_buffer(b"two\\n")
raw_fd(1, b"three\\n")
sys.stderr.buffer.write(b"err-bytes\\n")
sys.stderr.flush()
os.write(2, memoryview(b"err-fd\\n"))
sys.__stdout__.write("four\\n")
sys.stdout.flush()  # text still in the TextIOWrapper would reach the fd after the bytes below
sys.stdout.buffer.writelines([b"five\\n", bytearray(b"six\\n")])
sys.stdout.flush()
print("\\u00e9t\\u00e9")
"""


def test_output_through_buffer_and_fd_recorded(record, run_plain, write_program, dump):
    prog = write_program(OUTPUT_PROGRAM, "outputs")
    trace, out, err, rc = record(prog)
    assert (out, err, rc) == run_plain(prog)
    # The stand-ins pass isinstance() checks and keep sys.stdout is sys.__stdout__ (the buffer
    # check depends on PYTHONUNBUFFERED, equal to the plain run's anyway).
    first = out.splitlines()[0].split()
    assert (first[0], first[2:]) == ("True", ["True", "True", "write"])
    assert out.splitlines()[1:] == ["one", "two", "three", "four", "five", "six", "\u00e9t\u00e9"]
    recs = dump(trace)
    assert _outputs(recs, 1) == out.encode("utf-8")
    assert _outputs(recs, 2) == err.encode("utf-8") == b"err-bytes\nerr-fd\n"
    by_fn = [(r.get("fn"), r["text"]) for r in recs if r.get("kind") == "output"]
    assert ("raw_buffer", "two\n") in by_fn and ("raw_fd", "three\n") in by_fn


def test_output_stand_ins_are_invisible_to_the_programs_tracers(record, run_plain,
                                                                 write_program):
    """The program's own tracer and profiler (pdb, `python -m trace`, cProfile) see the events of
    a plain run around its output: the stand-ins in sys.stdout/sys.stderr and their buffers are
    C objects. With Python forwarders each print showed their write (and __getattr__, for
    flush) as calls into Reel's code."""
    prog = write_program("""
        import os, sys
        seen = []
        def note(frame, event, arg):
            seen.append((event, os.path.basename(frame.f_code.co_filename), frame.f_code.co_name))
            return note
        def work():
            print("one")
            print("two", flush=True)
            sys.stdout.write("three\\n")
            sys.stdout.writelines(["four\\n"])
            sys.stderr.write("err\\n")
            sys.stdout.buffer.write(b"five\\n")
            sys.stdout.flush()
            return sys.stdout.encoding
        sys.setprofile(note)
        work()
        sys.setprofile(None)
        sys.settrace(note)
        work()
        sys.settrace(None)
        for s in seen:
            print(*s)
    """, "tracers")
    trace, out, err, rc = record(prog)
    assert (out, err, rc) == run_plain(prog)
    assert "c_call tracers.py work" in out and "line tracers.py work" in out
    assert "_output" not in out and "reel" not in out


def test_output_fd_tap_is_transparent(record, run_plain, write_program):
    # Errors come from the real os.write, with a traceback that shows no Reel frame.
    prog = write_program("""
        import inspect, os, sys
        print(inspect.signature(os.write))
        try:
            os.write(1, "not bytes")
        except TypeError as e:
            print("TypeError", e)
        os.write(-1, b"x")
    """, "tap")
    trace, out, err, rc = record(prog)
    assert (out, err, rc) == run_plain(prog)
    assert rc == 1 and "OSError" in err and "reel" not in err


def test_broken_pipe_traceback_has_no_reel_frames(python_exe, reel_env, plain_env, write_program,
                                                   tmp_path):
    prog = write_program("""
        import sys
        for i in range(100000):
            print("line", i)
    """, "pipe")
    results = []
    for cmd, env in (([python_exe, str(prog)], plain_env),
                     ([python_exe, "-m", "reel", "record", "-o", str(tmp_path / "pipe.reel"),
                       str(prog)], reel_env)):
        p = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        p.stdout.read(10)
        p.stdout.close()
        err = p.stderr.read()
        p.wait(timeout=RUN_TIMEOUT)
        results.append((p.returncode, err))
    assert results[0][0] == results[1][0]
    # The line the pipe broke on differs run to run; the frames shown must not include Reel's.
    assert b"BrokenPipeError" in results[1][1]
    assert b"/reel/" not in results[1][1]


# --- recording from inside a program ---------------------------------------------------------

FROM_HERE = """
import reel, sys
def inner(n):
    total = 0
    for i in range(n):
        total += i
        if i == 2:
            reel.record_from_here(sys.argv[1])
    return total
def outer():
    a = inner(5)
    b = a * 2
    return b
def before():
    return 1
before()
print(outer())
"""


def test_record_from_here_includes_running_frames(python_exe, reel_env, write_program, tmp_path,
                                                  states, info, dump):
    prog = write_program(FROM_HERE, "fromhere")
    trace = tmp_path / "fromhere.reel"
    proc = subprocess.run([python_exe, str(prog), str(trace)], cwd=tmp_path, env=reel_env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0 and proc.stdout == b"20\n", _decode(proc.stderr)
    ev = states(trace)
    fns = [e["fn"] for e in ev]
    assert "before" not in fns, "nothing from before the call"
    # The rest of inner() (from i == 2 on), then outer() and the module body after it returns.
    inner_ops = [e for e in ev if e["fn"] == "inner" and e["ev"] == "opcode"]
    assert inner_ops and inner_ops[0]["locals"]["i"] == "2"
    assert {e["locals"]["i"] for e in inner_ops} == {"2", "3", "4"}
    assert [e["value"] for e in ev if e["fn"] == "inner" and e["ev"] == "return"] == ["10"]
    outer_ops = [e for e in ev if e["fn"] == "outer" and e["ev"] == "opcode"]
    assert outer_ops[-1]["locals"] == {"a": "10", "b": "20"}
    assert fns.index("inner") < fns.index("outer") < fns.index("<module>")
    assert [e["value"] for e in ev if e["fn"] == "outer" and e["ev"] == "return"] == ["20"]
    j = info(trace)
    assert j["state"] == "complete" and j["exit"]["kind"] == "stopped by API"
    outputs = [(r.get("fn"), r["text"]) for r in dump(trace) if r.get("kind") == "output"]
    assert "".join(t for _, t in outputs) == "20\n" and {f for f, _ in outputs} == {"<module>"}


def test_record_from_here_via_breakpoint_and_keep(python_exe, reel_env, write_program, tmp_path,
                                                  dump, info):
    prog = write_program("""
        import sys
        def work(n):
            breakpoint()
            return 10 // n
        print(work(int(sys.argv[1])))
    """, "bp")
    env = dict(reel_env, PYTHONBREAKPOINT="reel.record_from_here")
    # keep="failure" through a tiny wrapper: the program itself is untouched.
    proc = subprocess.run([python_exe, str(prog), "2"], cwd=tmp_path, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0 and proc.stdout == b"5\n", _decode(proc.stderr)
    traces = sorted(tmp_path.glob("bp-*.reel"))
    assert len(traces) == 1, "default name: <program>-<pid>.reel"
    recs = dump(traces[0])
    assert any(r.get("kind") == "return" and r.get("fn") == "work" for r in recs)
    traces[0].unlink()
    proc = subprocess.run([python_exe, str(prog), "0"], cwd=tmp_path, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 1 and b"ZeroDivisionError" in proc.stderr
    assert b"reel" not in proc.stderr
    traces = sorted(tmp_path.glob("bp-*.reel"))
    assert len(traces) == 1
    j = info(traces[0])
    assert j["exit"] == {"kind": "uncaught exception", "status": 1, "message": "ZeroDivisionError"}
    assert any(r.get("kind") == "exception" and r.get("fn") == "work" for r in dump(traces[0]))


def test_record_from_here_keep_failure(python_exe, reel_env, write_program, tmp_path):
    prog = write_program("""
        import reel, sys
        reel.record_from_here("run.reel", keep="failure")
        if sys.argv[1] == "fail":
            raise RuntimeError("boom")
    """, "fh_keep")
    for arg, rc, kept in (("ok", 0, False), ("fail", 1, True)):
        proc = subprocess.run([python_exe, str(prog), arg], cwd=tmp_path, env=reel_env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        assert proc.returncode == rc, _decode(proc.stderr)
        assert (tmp_path / "run.reel").exists() == kept
