"""The flight recorder (issue 6): `reel record --last N`, `reel.record(path, last=N)`.

A flight recording keeps only the last N events while the program runs (generation files
`<trace>.flight<k>`, at most two kept), and leaves one trace holding exactly the last N events,
starting from a full-state checkpoint. The acceptance test: the same deterministic program
recorded in full and with a small --last (so that many generations rotate) replays to the same
states over the kept window, with the same event numbers."""

import glob
import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import RUN_TIMEOUT

# Values created before the window and still referenced (config, keep), a generator suspended
# across every generation boundary, exceptions in flight while a finally block runs many events,
# threads, output, nested containers that mutate.
PROGRAM = textwrap.dedent('''\
    import sys
    import threading

    ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    config = {"name": "x" * 300, "items": list(range(40)), "nested": {"a": [1, 2, {"b": "deep"}]}}

    class Box:
        def __init__(self, v):
            self.v = v
            self.history = []

    def gen():
        total = 0
        i = 0
        while True:
            total += i
            i += 1
            yield total

    def work(n, g):
        acc = []
        # A float of the same value in every generation (recorder caches float snapshots).
        scale = 0.75 * (n % 3 + 1)
        for i in range(n):
            acc.append(next(g) % 7)
            if len(acc) > 20:
                acc.pop(0)
        return acc

    def risky(k):
        try:
            raise ValueError("deep %d" % k)
        finally:
            s = 0
            for j in range(60):
                s += j

    def spawn(n):
        out = []
        t = threading.Thread(target=lambda: out.append(work(n, gen())))
        t.start()
        t.join()
        return out[0][-1]

    def main():
        keep = {"started": [Box(1), Box(2)], "text": "before the window"}
        g = gen()
        out = []
        err = None
        for rnd in range(ROUNDS):
            out = work(200, g)
            keep["started"][rnd % 2].history.append(rnd)
            try:
                risky(rnd)
            except ValueError as e:
                err = e
            if rnd % 5 == 0:
                last_thread = spawn(150)
            print("round", rnd, out[-1], config["items"][rnd % 40], err)
        sys.stderr.write("done %d\\n" % len(keep["started"][0].history))

    main()
    ''')

# Runs until killed (SIGTERM/SIGKILL tests); prints a line per round so progress is visible.
FOREVER = textwrap.dedent('''\
    import sys, time
    def step(i, acc):
        acc.append(i * i)
        if len(acc) > 50:
            del acc[:25]
        return sum(acc)
    acc = []
    i = 0
    while True:
        total = step(i, acc)
        i += 1
        if i % 20000 == 0:
            print("round", i, total, flush=True)
    ''')


def run(cmd, cwd=None, env=None, timeout=RUN_TIMEOUT):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode(
        "utf-8", "replace")


def info(reel_bin, trace):
    rc, out, err = run([reel_bin, "info", "--json", trace])
    assert rc == 0, err
    return json.loads(out)


def states(reel_bin, trace, only):
    rc, out, err = run([reel_bin, "export", "--states", "--only", only, trace])
    assert rc == 0, err
    return out.splitlines()


_IDENTS = re.compile(r"_(ident|native_id)=\d+")


def at_event(reel_bin, trace, n):
    """The debugger's view at event n (stack, every frame's locals, output so far), with thread
    idents (different in every run) masked."""
    rc, out, err = run([reel_bin, "replay", trace, "-c",
                        "goto %d; where; locals -a; output stdout; output stderr" % n])
    assert rc == 0, err
    head, _, rest = out.partition("\n")
    assert head.startswith("[event %d/" % n), head
    return _IDENTS.sub(r"_\1=?", rest.replace("(this is the end of the trace)\n", ""))


def flight_files(trace):
    return sorted(glob.glob(glob.escape(str(trace)) + ".flight*"))


@pytest.fixture
def program_dir(tmp_path):
    d = tmp_path / "prog"
    d.mkdir()
    (d / "prog.py").write_text(PROGRAM)
    (d / "forever.py").write_text(FOREVER)
    return d


def record(python_exe, reel_env, program_dir, out, *options, args=("30",), script="prog.py"):
    rc, so, se = run([python_exe, "-m", "reel", "record", *options, "-o", out, script, *args],
                     cwd=program_dir, env=reel_env)
    return rc, so, se


def record_pair(reel_bin, python_exe, reel_env, cwd, full, flight, n, options, script,
                args=()):
    """Records `script` in full and with --last n. A threaded run's event count can depend on
    scheduling (a thread start or join racing with the recorded code); the comparison needs two
    identical runs, so a pair whose totals differ is recorded again (at most three times)."""
    for attempt in range(3):
        rc1, so1, se1 = run([python_exe, "-m", "reel", "record", *options, "-o", full, script,
                             *args], cwd=cwd, env=reel_env)
        rc2, so2, se2 = run([python_exe, "-m", "reel", "record", *options, "--last", str(n),
                             "-o", flight, script, *args], cwd=cwd, env=reel_env)
        assert (rc1, so1) == (rc2, so2), se1 + se2
        if info(reel_bin, full)["events"] == info(reel_bin, flight)["flight"]["recordedEvents"]:
            break
    return rc2, so2, se2


def check_window(reel_bin, full, flight, n, only):
    """`flight` holds exactly the last n events of the run `full` recorded, numbered as in it,
    and replays to the same states."""
    total = info(reel_bin, full)["events"]
    doc = info(reel_bin, flight)
    assert doc["capture"]["flightLast"] == n
    assert doc["flight"]["lastEvents"] == n
    kept = min(n, total)
    assert doc["events"] == kept
    assert doc["flight"]["firstEvent"] == total - kept
    assert doc["flight"]["lastEvent"] == total - 1
    assert doc["flight"]["recordedEvents"] == total
    assert doc["state"] == "complete"
    rc, so, se = run([reel_bin, "verify", flight])
    assert rc == 0, so + se
    a = states(reel_bin, full, only)
    b = states(reel_bin, flight, only)
    assert b and a[len(a) - len(b):] == b
    return doc


# ---- the acceptance test: same states as a full recording over the kept window ----------------


@pytest.mark.parametrize("n", [1000, 2500])
def test_flight_window_replays_like_the_full_recording(reel_bin, python_exe, reel_env,
                                                       program_dir, tmp_path, n):
    full, flight = tmp_path / "full.reel", tmp_path / "flight.reel"
    rc, so, se = record_pair(reel_bin, python_exe, reel_env, program_dir, full, flight, n,
                             ["--only", str(program_dir)], "prog.py", ["30"])
    assert rc == 0 and se.endswith("done 15\n"), se
    doc = check_window(reel_bin, full, flight, n, program_dir)
    # Many generations rotated: the window starts far into the run, from a checkpoint.
    total = doc["flight"]["recordedEvents"]
    assert total > 40 * n
    assert doc["slice"]["firstEvent"] == total - n
    assert flight_files(flight) == []
    first, last = total - n, total - 1
    for e in sorted({first, first + 1, (first + last) // 2, last - 1, last}):
        assert at_event(reel_bin, flight, e) == at_event(reel_bin, full, e), e
    # Exceptions raised in the window keep their indices: a re-raise or propagation across a
    # generation boundary is not taken for a new exception.
    kept = [x for x in exceptions(reel_bin, full) if x[2] >= first]
    assert kept and exceptions(reel_bin, flight) == kept


def exceptions(reel_bin, trace):
    """`exceptions` in the debugger: (index, repr, raised-at event) of each listed exception."""
    rc, out, err = run([reel_bin, "replay", trace, "-c", "exceptions"])
    assert rc == 0, err
    found = []
    for line in out.splitlines():
        m = re.match(r"  #(\d+) (.*?)(  thread .*)?$", line)
        if m:
            found.append([int(m.group(1)), m.group(2), None])
        m = re.match(r"\s+raised at event (\d+)", line)
        if m and found:
            found[-1][2] = int(m.group(1))
    return [tuple(x) for x in found]


@pytest.mark.parametrize("options", [["--only", "."], ["--exclude", "threading"],
                                     ["--redact", "keep|acc"], ["--no-values"]],
                         ids=["only", "exclude", "redact", "no-values"])
def test_flight_with_capture_options(reel_bin, python_exe, reel_env, program_dir, tmp_path,
                                     options):
    options = [str(program_dir) if o == "." else o for o in options]
    if options[0] == "--exclude":
        options[1] = str(pathlib.Path(sys.base_prefix))  # no effect on the program's own frames
    if "--only" not in options:
        options += ["--only", str(program_dir)]  # the threading module's waits vary by run
    full, flight = tmp_path / "full.reel", tmp_path / "flight.reel"
    rc, so, se = record_pair(reel_bin, python_exe, reel_env, program_dir, full, flight, 1500,
                             options, "prog.py", ["30"])
    assert rc == 0, se
    doc = check_window(reel_bin, full, flight, 1500, program_dir)
    if "--redact" in options:
        assert doc["capture"]["redact"] == "keep|acc"
        assert any("<redacted>" in line for line in states(reel_bin, flight, program_dir))
    if "--no-values" in options:
        assert doc["capture"]["noValues"]


# Corpus programs with more events than the window (generations rotate) and a few without.
CORPUS = ["asyncio_exceptions", "dataclasses_enums", "match_walrus", "threads",
          "thread_exception", "context_managers", "weird_objects", "imports_sibling",
          "uncaught_exception", "generators", "sys_exit_atexit"]


@pytest.mark.parametrize("name", CORPUS)
def test_flight_corpus_programs(reel_bin, python_exe, reel_env, source_dir, tmp_path, name):
    programs = source_dir / "tests" / "programs"
    full, flight = tmp_path / "full.reel", tmp_path / "flight.reel"
    record_pair(reel_bin, python_exe, reel_env, programs, full, flight, "1k",
                ["--only", str(programs)], name + ".py")
    check_window(reel_bin, full, flight, 1000, programs)
    assert info(reel_bin, flight)["exit"] == info(reel_bin, full)["exit"]


# ---- bounded while running ------------------------------------------------------------------


def dir_bytes(d):
    total = 0
    for p in pathlib.Path(d).iterdir():
        try:
            total += p.stat().st_size
        except OSError:
            pass  # removed between listing and stat
    return total


def wait_for(pred, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return False


def test_disk_stays_bounded_while_recording(reel_bin, python_exe, reel_env, program_dir,
                                            tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    trace = out_dir / "run.reel"
    proc = subprocess.Popen([python_exe, "-m", "reel", "record", "--last", "20k", "-o",
                             str(trace), "forever.py"], cwd=program_dir, env=reel_env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        max_bytes = max_files = 0
        # Until generation 30 exists: 30 rotations, 600k events at least.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            files = flight_files(trace)
            max_files = max(max_files, len(files))
            max_bytes = max(max_bytes, dir_bytes(out_dir))
            if any(re.search(r"\.flight(3\d|[4-9]\d)", f) for f in files):
                break
            time.sleep(0.01)
        else:
            pytest.fail("the flight recorder never reached generation 30")
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGTERM
    doc = info(reel_bin, trace)
    assert doc["events"] == 20000
    assert doc["flight"]["recordedEvents"] > 30 * 20000
    # Two generations (and the next one being started) at most.
    assert 1 <= max_files <= 3
    # Each generation holds about N events: the directory never held more than a few times the
    # final window, although the run was 30 times longer.
    assert max_bytes < 5 * doc["fileSize"] + (1 << 20), (max_bytes, doc["fileSize"])
    assert flight_files(trace) == []


# ---- how the run ends --------------------------------------------------------------------------


def test_keep_failure_with_last(reel_bin, python_exe, reel_env, program_dir, tmp_path):
    ok = tmp_path / "ok.reel"
    rc, so, se = record(python_exe, reel_env, program_dir, ok, "--keep", "failure", "--last",
                        "1000")
    assert rc == 0, se
    assert not ok.exists() and flight_files(ok) == []
    (program_dir / "fails.py").write_text(PROGRAM + "raise RuntimeError('late failure')\n")
    bad = tmp_path / "bad.reel"
    rc, so, se = record(python_exe, reel_env, program_dir, bad, "--keep", "failure", "--last",
                        "1000", "--only", program_dir, script="fails.py")
    assert rc == 1 and "RuntimeError: late failure" in se
    doc = info(reel_bin, bad)
    assert doc["exit"]["kind"] == "uncaught exception"
    assert doc["events"] == 1000 and doc["flight"]["recordedEvents"] > 40000
    assert flight_files(bad) == []
    # The window ends with the failure.
    rc, out, err = run([reel_bin, "replay", bad, "-c", "end; where"])
    assert rc == 0, err
    assert "fails.py" in out and "RuntimeError" in out, out


def start_forever(python_exe, reel_env, program_dir, trace, *extra):
    return subprocess.Popen([python_exe, "-m", "reel", "record", "--last", "5000", *extra, "-o",
                             str(trace), "forever.py"], cwd=program_dir, env=reel_env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_leaves_the_last_n_events(reel_bin, python_exe, reel_env, program_dir, tmp_path,
                                         sig):
    trace = tmp_path / "run.reel"
    proc = start_forever(python_exe, reel_env, program_dir, trace)
    try:
        assert wait_for(lambda: any(".flight4" in f for f in flight_files(trace)))
        proc.send_signal(sig)
        proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -sig
    doc = info(reel_bin, trace)
    assert doc["state"] == "complete"
    assert doc["exit"]["kind"] == "signal"
    assert doc["events"] == 5000 and doc["flight"]["recordedEvents"] > 4 * 5000
    assert run([reel_bin, "verify", trace])[0] == 0
    assert flight_files(trace) == []


def kill_forever(python_exe, reel_env, program_dir, trace, generation):
    proc = start_forever(python_exe, reel_env, program_dir, trace)
    try:
        assert wait_for(lambda: any(".flight%d" % generation in f for f in flight_files(trace)))
        proc.kill()
        proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigkill_leaves_generations_that_open(reel_bin, python_exe, reel_env, program_dir,
                                              tmp_path):
    trace = tmp_path / "run.reel"
    kill_forever(python_exe, reel_env, program_dir, trace, 6)
    assert not trace.exists()
    files = flight_files(trace)
    assert 1 <= len(files) <= 3, files
    closed = [f for f in files if not f.endswith(".partial")]
    partial = [f for f in files if f.endswith(".partial")]
    assert closed, files
    # The newest closed generation is a whole trace starting from a checkpoint; the current
    # generation's .partial is recovered up to its last complete chunk.
    newest = max(closed, key=lambda f: int(f.rsplit("flight", 1)[1]))
    doc = info(reel_bin, newest)
    assert doc["state"] == "complete" and doc["slice"]["firstEvent"] > 0
    assert doc["events"] >= 5000
    assert run([reel_bin, "verify", newest])[0] == 0
    rc, out, err = run([reel_bin, "export", "--states", newest])
    assert rc == 0 and out, err
    for p in partial:
        if os.path.getsize(p) == 0:
            # Killed between creating the next generation's file and its first write: it holds
            # nothing (the closed generation above has the data), and the tools say so clearly.
            rc, out, err = run([reel_bin, "info", p])
            assert rc != 0 and "empty file" in err, err
            continue
        doc = info(reel_bin, p)
        assert doc["state"] in ("recovered", "complete")
        rc, out, err = run([reel_bin, "export", "--states", p])
        assert rc == 0, err


def test_join_after_sigkill(reel_bin, python_exe, reel_env, program_dir, tmp_path):
    trace = tmp_path / "run.reel"
    kill_forever(python_exe, reel_env, program_dir, trace, 5)
    gens = [f for f in flight_files(trace) if os.path.getsize(f) > 0]
    gens.sort(key=lambda f: info(reel_bin, f)["slice"]["firstEvent"] if
              info(reel_bin, f).get("slice") else 0)
    rc, out, err = run([reel_bin, "join", str(trace)])
    assert rc == 0, err
    assert "generation files are left in place" in out
    assert [f for f in flight_files(trace) if os.path.getsize(f) > 0] == sorted(gens)
    doc = info(reel_bin, trace)
    assert doc["state"] == "complete"
    assert doc["events"] == 5000 and doc["flight"]["lastEvents"] == 5000
    assert run([reel_bin, "verify", trace])[0] == 0
    # The joined trace is the tail of what the generation files hold, event for event: the
    # same states, and the same debugger view where a generation boundary falls inside it.
    held = [line for g in gens for line in states(reel_bin, g, str(program_dir))]
    joined = states(reel_bin, trace, str(program_dir))
    assert joined and held[len(held) - len(joined):] == joined
    last = doc["flight"]["lastEvent"]
    first = doc["flight"]["firstEvent"]
    newest = gens[-1]
    boundary = info(reel_bin, newest)["slice"]["firstEvent"]
    probes = {first, last} | ({boundary - 1, boundary} if first < boundary <= last else set())
    for e in sorted(probes):
        holder = next(g for g in reversed(gens)
                      if (info(reel_bin, g).get("slice") or {"firstEvent": 0})["firstEvent"] <= e)
        assert at_event(reel_bin, trace, e) == at_event(reel_bin, holder, e), e
    # --last narrows the window; -o names another output.
    small = tmp_path / "small.reel"
    rc, out, err = run([reel_bin, "join", str(trace), "--last", "1000", "-o", str(small)])
    assert rc == 0, err
    assert info(reel_bin, small)["events"] == 1000
    assert at_event(reel_bin, small, last - 999) == at_event(reel_bin, trace, last - 999)
    assert at_event(reel_bin, small, last) == at_event(reel_bin, trace, last)


def test_join_refuses_what_it_cannot_join(reel_bin, python_exe, reel_env, program_dir,
                                          tmp_path):
    a, b = tmp_path / "a.reel", tmp_path / "b.reel"
    kill_forever(python_exe, reel_env, program_dir, a, 2)
    kill_forever(python_exe, reel_env, program_dir, b, 2)
    # Nothing to join.
    rc, out, err = run([reel_bin, "join", str(tmp_path / "none.reel")])
    assert rc == 2 and "no generation files" in err, err
    # Generations of two recordings.
    ga = [f for f in flight_files(a) if os.path.getsize(f) > 0]
    gb = [f for f in flight_files(b) if os.path.getsize(f) > 0]
    rc, out, err = run([reel_bin, "join", ga[-1], gb[-1], "-o", str(tmp_path / "mix.reel")])
    assert rc == 2 and "another recording" in err, err
    # A trace recorded without --last, alone (no generations next to it) or among generations.
    plain = tmp_path / "plain.reel"
    rc, so, se = record(python_exe, reel_env, program_dir, plain)
    assert rc == 0, se
    rc, out, err = run([reel_bin, "join", str(plain)])
    assert rc == 2 and "no generation files" in err, err
    rc, out, err = run([reel_bin, "join", str(plain), ga[-1], "-o", str(tmp_path / "p2.reel")])
    assert rc == 2 and "not a flight-recorder generation" in err, err
    # Files given without -o; an output that exists.
    rc, out, err = run([reel_bin, "join", *ga])
    assert rc == 2 and "-o" in err, err
    rc, out, err = run([reel_bin, "join", str(a), "-o", str(plain)])
    assert rc == 2 and "exists" in err, err
    assert not (tmp_path / "mix.reel").exists() and not (tmp_path / "p2.reel").exists()


def test_os_exit(reel_bin, python_exe, reel_env, program_dir, tmp_path):
    # Under `reel record`, os._exit closes the trace first: the window is complete.
    (program_dir / "exits.py").write_text(PROGRAM.replace("main()\n", "main()\nimport os\nos._exit(3)\n"))
    trace = tmp_path / "exit.reel"
    rc, so, se = record(python_exe, reel_env, program_dir, trace, "--last", "2000",
                        script="exits.py")
    assert rc == 3, se
    doc = info(reel_bin, trace)
    assert doc["events"] == 2000 and doc["exit"]["message"] == "os._exit"
    assert flight_files(trace) == []
    # Recording through the API too (since session 29; SIGKILL is what leaves the generation
    # files now, test_sigkill_leaves_generations_that_open).
    api = tmp_path / "api.reel"
    code = textwrap.dedent('''\
        import os, sys, reel
        sys.argv = ["prog.py", "30"]
        reel.start(%r, last=2000)
        exec(compile(open("prog.py").read(), "prog.py", "exec"), {"__name__": "__main__"})
        reel.flush()
        os._exit(4)
        ''' % str(api))
    rc, so, se = run([python_exe, "-c", code], cwd=program_dir, env=reel_env)
    assert rc == 4, se
    doc = info(reel_bin, api)
    assert doc["events"] == 2000 and doc["exit"] == {"kind": "exited", "status": 4,
                                                     "message": "os._exit"}
    assert flight_files(api) == []
    rc, out, err = run([reel_bin, "export", "--states", str(api)])
    assert rc == 0, err


# ---- the Python API and arguments ------------------------------------------------------------


def test_python_api(reel_bin, python_exe, reel_env, program_dir, tmp_path):
    a, b, c = tmp_path / "a.reel", tmp_path / "b.reel", tmp_path / "c.reel"
    code = textwrap.dedent('''\
        import reel, sys
        sys.argv = ["prog.py", "20"]
        src = compile(open("prog.py").read(), "prog.py", "exec")
        with reel.record(%r, last="2k"):
            exec(src, {"__name__": "__main__"})
        reel.start(%r, last=1500)
        exec(src, {"__name__": "__main__"})
        reel.stop()
        with reel.record(%r, last=1000, keep="failure"):
            exec(src, {"__name__": "__main__"})
        for bad in (0, 999, "abc", "12x", -5, True):
            try:
                reel.start("never.reel", last=bad)
            except ValueError as e:
                print("refused", bad, e)
            else:
                raise SystemExit("accepted %%r" %% (bad,))
        ''' % (str(a), str(b), str(c)))
    rc, so, se = run([python_exe, "-c", code], cwd=program_dir, env=reel_env)
    assert rc == 0, se
    assert so.count("refused") == 6
    assert "at least 1000 events" in so and "number of events" in so
    assert info(reel_bin, a)["events"] == 2000
    assert info(reel_bin, b)["events"] == 1500
    assert info(reel_bin, b)["flight"]["recordedEvents"] > 20000
    assert not c.exists() and flight_files(c) == []
    assert not (program_dir / "never.reel").exists()


@pytest.mark.parametrize("value,message", [("0", "at least 1000 events"),
                                           ("999", "at least 1000 events"),
                                           ("abc", "number of events"),
                                           ("5Q", "number of events")])
def test_bad_last_values_exit_2(reel_bin, python_exe, reel_env, program_dir, tmp_path, value,
                                message):
    out = tmp_path / "x.reel"
    for cmd in ([python_exe, "-m", "reel", "record"], [reel_bin, "record", "--python",
                                                        python_exe]):
        rc, so, se = run([*cmd, "--last", value, "-o", out, "prog.py"], cwd=program_dir,
                         env=reel_env)
        assert rc == 2, se
        assert "--last" in se and message in se, se
        assert not out.exists() and flight_files(out) == []


def test_info_names_a_flight_window(reel_bin, python_exe, reel_env, program_dir, tmp_path):
    trace = tmp_path / "f.reel"
    assert record(python_exe, reel_env, program_dir, trace, "--last", "3000")[0] == 0
    rc, out, err = run([reel_bin, "info", trace])
    assert rc == 0, err
    total = info(reel_bin, trace)["flight"]["recordedEvents"]
    assert ("flight-recorder window (--last 3000): events %d..%d of %d recorded"
            % (total - 3000, total - 1, total)) in out
    # A run shorter than N keeps everything, from event 0.
    short = tmp_path / "short.reel"
    assert record(python_exe, reel_env, program_dir, short, "--last", "10M", args=("1",))[0] == 0
    doc = info(reel_bin, short)
    assert doc["flight"]["firstEvent"] == 0 and "slice" not in doc
    assert doc["events"] == doc["flight"]["recordedEvents"]
    # Both hold the recorder's format 1.2 compact value records: an older reader must refuse them.
    assert info(reel_bin, trace)["requiredReaderMinor"] >= 2
    assert doc["requiredReaderMinor"] >= 2
