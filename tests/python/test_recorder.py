"""End-to-end tests of the recorder (issue 3) on the interpreter under test ($REEL_TEST_PYTHON):
record small real programs with `python -m reel record` / `reel record`, read the traces back with
`reel dump` (JSON Lines of every record) and check events, local deltas, exceptions, generators,
threads; and check that a recorded run behaves exactly like a plain one."""

import ast
import json
import os
import re
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import PROGRAMS_DIR, RUN_TIMEOUT, _run


def _decode(b):
    return b.decode("utf-8", "surrogateescape")


def _code_ids(records, qualname):
    return {r["code"] for r in records if r.get("qualname") == qualname and "instructions" in r}


def _frame_records(records, qualname):
    return [r for r in records if r.get("fn") == qualname and "kind" in r]


def _slot(records, qualname, name):
    for r in records:
        if r.get("qualname") == qualname and "locals" in r:
            return r["locals"].index(name)
    raise KeyError(name)


def _values(records):
    return {r["value"]: r for r in records if "value" in r and "kind" in r and "ev" not in r
            and isinstance(r["value"], int) and r.get("kind") not in ("local_set", "name_set")}


# --- the extension itself ------------------------------------------------------------------

def test_extension_imports(python_exe, reel_env, pyver):
    proc = subprocess.run([python_exe, "-c", "import reel, reel._reel as r; print(r.python_version)"],
                          env=reel_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    assert proc.stdout.decode().startswith(pyver)


def test_wrong_python_gets_clear_import_error(build_dir, pyver):
    # The package built for this version, imported by another interpreter (a different supported
    # minor, or an old pyenv one): a clear ImportError naming the running version, no crash.
    others = []
    for line in (build_dir / "python" / "interpreters.txt").read_text().splitlines():
        ver, _, exe = line.partition("=")
        if ver and ver != pyver:
            others.append((ver, exe))
    for old in sorted(pathlib.Path("/root/.pyenv/versions").glob("3.10*/bin/python3.10")):
        others.append(("3.10", str(old)))
    if not others:
        pytest.skip("no second interpreter on this machine")
    ver, exe = others[0]
    env = dict(os.environ, PYTHONPATH=str(build_dir / "python" / pyver))
    proc = subprocess.run([exe, "-c", "import reel"], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    err = _decode(proc.stderr)
    assert proc.returncode == 1
    assert "ImportError: reel: no recorder for Python " + ver in err


# --- events and local deltas ----------------------------------------------------------------

SIMPLE = """
def f(a, b):
    c = a + b
    xs = []
    for i in range(3):
        xs.append(i * c)
    del c
    return xs

r = f(1, 2)
print("result", r)
"""


def test_simple_program_events_and_locals(record, dump):
    trace, out, err, rc = record(SIMPLE)
    assert (out, rc) == ("result [0, 3, 6]\n", 0), err
    assert trace.exists() and not pathlib.Path(str(trace) + ".partial").exists()
    recs = dump(trace, "--defs", "--values")
    f = _frame_records(recs, "f")
    kinds = [r["kind"] for r in f]
    assert kinds[0] == "call" and kinds[-1] == "return"
    assert kinds.count("call") == 1
    assert kinds.count("opcode") > 20
    # Arguments are set right after the call, as small inline ints.
    slot_a, slot_b, slot_c = (_slot(recs, "f", n) for n in "abc")
    sets = [(r["slot"], r["value"]) for r in f if r["kind"] == "local_set"]
    assert sets[0:2] == [(slot_a, 1), (slot_b, 2)]
    assert (slot_c, 3) in sets
    # i takes 0, 1, 2 in order.
    slot_i = _slot(recs, "f", "i")
    assert [v for s, v in sets if s == slot_i] == [0, 1, 2]
    # The list is re-snapshotted after each in-place append: 4 distinct snapshots ([] .. [0,3,6]).
    slot_xs = _slot(recs, "f", "xs")
    xs_refs = [v for s, v in sets if s == slot_xs]
    assert len(xs_refs) == 4 and len(set(xs_refs)) == 4
    values = _values(recs)
    last = values[int(xs_refs[-1][1:])]
    assert last["kind"] == "list" and last["items"] == [0, 3, 6]
    # `del c` is a LOCAL_DEL before the next opcode.
    assert any(r["kind"] == "local_del" and r["slot"] == slot_c for r in f)
    ret = [r for r in f if r["kind"] == "return"][0]
    assert ret["value"] == xs_refs[-1]
    # Every opcode event's offset is an instruction start of f's code, and lasti == off.
    code = [r for r in recs if r.get("qualname") == "f" and "instructions" in r][0]
    starts = {i["off"] for i in code["instructions"]}
    for r in f:
        if r["kind"] == "opcode":
            assert r["off"] in starts and r["lasti"] == r["off"]
    # Module-level names arrive as NAME_SET records.
    assert any(r.get("kind") == "name_set" and r["name"] == "r" and r["value"] == ret["value"] for r in recs)
    # Code definitions carry the source text and readable instructions.
    assert code["first_line"] == 2 and "a" in code["locals"]
    assert any(i["op"] == "BINARY_OP" for i in code["instructions"])
    assert any(r.get("source") == code["source"] and r.get("has_text") for r in recs if "path" in r)


def test_generated_code_source_from_linecache(record, run_plain, dump, tmp_path):
    # Code with no file on disk whose generator put its text in linecache (attrs, 3.13
    # dataclasses, IPython) gets that text in the trace. Read without running program code: a
    # hostile key in linecache.cache runs its __eq__ exactly as often as in a plain run, and a lazy
    # (loader,) entry's loader is never called.
    program = tmp_path / "generated.py"
    program.write_text(textwrap.dedent("""
        import linecache
        class Hostile:
            def __hash__(self):
                return hash("<gen demo>")
            def __eq__(self, other):
                print("__eq__ ran")
                return False
        def loader():
            print("loader ran")
            return "def lazy():\\n    return 2\\n"
        linecache.cache[Hostile()] = (0, None, [], "x")
        src = "def made(a):\\n    b = a * 2\\n    return b + 1\\n"
        linecache.cache["<gen demo>"] = (len(src), None, src.splitlines(True), "<gen demo>")
        linecache.cache["<gen lazy>"] = (loader,)
        linecache.cache["<string>"] = (1, None, ["x\\n"], "<string>")  # shared by every exec
        ns = {}
        exec(compile(src, "<gen demo>", "exec"), ns)
        exec(compile("def lazy():\\n    return 2\\n", "<gen lazy>", "exec"), ns)
        exec(compile("def plain():\\n    return 3\\n", "<string>", "exec"), ns)
        print(ns["made"](20), ns["lazy"](), ns["plain"]())
    """))
    plain = run_plain(program)
    assert plain[2] == 0 and plain[0].count("__eq__ ran") == 1, plain
    trace, *recorded = record(program)
    assert tuple(recorded) == plain
    sources = {r["path"]: r for r in dump(trace, "--defs") if "path" in r}
    src = "def made(a):\n    b = a * 2\n    return b + 1\n"
    assert sources["<gen demo>"]["has_text"] and sources["<gen demo>"]["bytes"] == len(src)
    assert not sources["<gen lazy>"]["has_text"] and not sources["<string>"]["has_text"]


def test_sources_of_the_command_and_of_frozen_modules(python_exe, reel_env, reel_bin, dump,
                                                     tmp_path):
    # `reel record -c CMD`: the command's code objects carry its text, while code that exec()
    # compiles under the same name "<string>" does not. Code of the frozen standard-library
    # modules ("<frozen posixpath>", and runpy, where every `-m` run starts) carries the source
    # it was frozen from, so the trace shows their lines too; a made-up "<frozen ...>" name that
    # is no module's points nowhere.
    cmd = ("import os\ndef f(a):\n    return os.path.join(a, 'b')\n"
           "exec('z = 3')\nexec(compile('w = 4', '<frozen ../../etc/passwd>', 'exec'))\n"
           "print(f('x'), z, w)\n")
    proc = subprocess.run([python_exe, "-m", "reel", "record", "-o", "c.reel", "-c", cmd],
                          cwd=tmp_path, env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0 and proc.stdout == b"x/b 3 4\n", _decode(proc.stderr)
    recs = dump(tmp_path / "c.reel", "--defs")
    sources = {r["source"]: r for r in recs if "path" in r and "source" in r}
    by_name = {}
    for r in recs:
        if "instructions" in r:
            by_name.setdefault((r["filename"], r["qualname"]), []).append(sources[r["source"]])
    (module_src, exec_src) = sorted(by_name[("<string>", "<module>")], key=lambda s: s["source"])
    assert module_src["has_text"] and module_src["bytes"] == len(cmd.encode())
    assert by_name[("<string>", "f")] == [module_src]
    assert not exec_src["has_text"]  # exec('z = 3'): another "<string>"
    stdlib = subprocess.run([python_exe, "-c", "import sys; print(sys._stdlib_dir)"],
                            stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    posixpath = pathlib.Path(stdlib, "posixpath.py").read_text()
    frozen = by_name[("<frozen posixpath>", "join")][0]
    assert frozen["has_text"] and frozen["bytes"] == len(posixpath.encode())
    assert not by_name[("<frozen ../../etc/passwd>", "<module>")][0]["has_text"]
    # The debugger shows the command's lines and posixpath's.
    shown = subprocess.run([reel_bin, "replay", str(tmp_path / "c.reel"), "-c",
                            "break <frozen posixpath>:%d; continue; where"
                            % (posixpath.splitlines().index("    a = os.fspath(a)") + 1)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert shown.returncode == 0, _decode(shown.stderr)
    text = _decode(shown.stdout)
    assert "-> return os.path.join(a, 'b')" in text and "-> a = os.fspath(a)" in text, text


def test_reel_own_frames_not_recorded(record, dump):
    trace, out, err, rc = record(SIMPLE)
    recs = dump(trace, "--defs")
    files = {r["filename"] for r in recs if "instructions" in r}
    assert not any("/reel/" in f and f.endswith(("__init__.py", "_launcher.py", "__main__.py")) for f in files)
    assert not any(f.endswith("runpy.py") for f in files)
    first_call = next(r for r in recs if r.get("kind") == "call")
    assert first_call["fn"] == "<module>"


def test_exceptions_raise_unwind_handle(record, dump):
    trace, out, err, rc = record("""
        def inner():
            raise ValueError("bad", 7)

        def outer():
            try:
                inner()
            except ValueError as e:
                return e.args

        print(outer())
    """)
    assert rc == 0 and out == "('bad', 7)\n", err
    recs = dump(trace, "--defs", "--values")
    inner = _frame_records(recs, "inner")
    assert [r["kind"] for r in inner if r["kind"] != "opcode" and "ev" in r] == ["call", "exception", "unwind"]
    exc = next(r for r in inner if r["kind"] == "exception")
    v = _values(recs)[int(exc["value"][1:])]
    assert v["kind"] == "exception" and v["type_name"] == "ValueError"
    outer = [r["kind"] for r in _frame_records(recs, "outer") if "ev" in r and r["kind"] != "opcode"]
    assert outer == ["call", "exception", "return"]


def test_generators_resume_and_yield(record, dump):
    trace, out, err, rc = record("""
        def gen(n):
            for i in range(n):
                yield i * 10

        g = gen(3)
        print(next(g), next(g), list(g))
    """)
    assert rc == 0 and out == "0 10 [20]\n", err
    recs = dump(trace)
    g = [r for r in recs if r.get("fn") == "gen" and "ev" in r and r["kind"] != "opcode"]
    kinds = [r["kind"] for r in g]
    assert kinds == ["call", "yield", "resume", "yield", "resume", "yield", "resume", "return"]
    assert [r["value"] for r in g if r["kind"] == "yield"] == [0, 10, 20]
    # One frame id throughout: resumes continue the same frame.
    assert len({r["frame"] for r in g}) == 1
    assert any(r["kind"] == "frame_object" for r in recs)


def test_new_generator_at_a_dead_ones_address_is_a_new_frame(record, dump):
    """A generator dropped while suspended outside any try: 3.13 closes it without running it (no
    event), 3.11/3.12 run the close (resume, GeneratorExit, return). The next generator is often
    allocated at the same address; its start must be a new frame, not a resume of the dead one."""
    trace, out, err, rc = record("""
        def gen(k):
            yield k
            yield k + 1

        def main(n):
            total = 0
            for i in range(n):
                g = gen(i)
                total += next(g)
            return total

        print(main(50))
    """)
    assert rc == 0 and out == "1225\n", err
    recs = dump(trace)
    g = [r for r in recs if r.get("fn") == "gen" and "ev" in r and r["kind"] != "opcode"]
    calls = [r for r in g if r["kind"] == "call"]
    assert len(calls) == 50
    assert len({r["frame"] for r in calls}) == 50
    # Each frame yields its own k once (the first yield after its start), so no frame is mixed
    # with another generator's.
    first_yields = {}
    for r in g:
        if r["kind"] == "yield":
            first_yields.setdefault(r["frame"], r["value"])
    assert sorted(first_yields.values()) == list(range(50))
    # Frame objects: one per new frame.
    owners = [r for r in recs if r.get("kind") == "frame_object" and r.get("fn") == "gen"]
    assert len(owners) == 50


def test_closures_and_nonlocal_cells(record, dump):
    trace, out, err, rc = record("""
        def counter():
            n = 0
            def inc():
                nonlocal n
                n += 1
                return n
            inc(); inc()
            return n

        print(counter())
    """)
    assert rc == 0 and out == "2\n", err
    recs = dump(trace, "--defs")
    slot_n = _slot(recs, "counter", "n")
    sets = [r["value"] for r in _frame_records(recs, "counter") if r["kind"] == "local_set" and r["slot"] == slot_n]
    assert sets == [0, 1, 2]  # the caller sees the cell change made by inc()


def test_thread_end_is_written_when_the_thread_finishes(record, dump):
    """THREAD_END comes right after a thread's last event, before the joining thread runs on, for
    threads that end normally and by an uncaught exception; a daemon thread still running at exit
    gets none (it never finished)."""
    trace, out, err, rc = record("""
        import threading, time
        def work(n):
            s = 0
            for i in range(n):
                s += i
            return s
        def fail():
            raise ValueError("in thread")
        threading.excepthook = lambda args: None
        for target, args in ((work, (100,)), (fail, ()), (work, (200,))):
            t = threading.Thread(target=target, args=args)
            t.start()
            t.join()
            after_join = 1
        threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
        print("done")
    """)
    assert rc == 0 and out == "done\n", err
    recs = dump(trace)
    workers = sorted({r["thread_id"] for r in recs if r.get("kind") == "thread_end"})
    assert workers == [1, 2, 3]
    for tid in workers:
        ends = [i for i, r in enumerate(recs) if r.get("kind") == "thread_end" and r["thread_id"] == tid]
        assert len(ends) == 1
        last_event = max(i for i, r in enumerate(recs) if "ev" in r and r.get("thread") == tid)
        assert last_event < ends[0]
        # The main thread's next event is the join's continuation, after the end.
        nxt = next(r for r in recs[ends[0]:] if "ev" in r)
        assert nxt.get("thread") == 0


def test_threads_are_recorded(record, dump):
    trace, out, err, rc = record("""
        import threading
        def work(k):
            total = 0
            for i in range(50):
                total += i * k
            return total
        ts = [threading.Thread(target=work, args=(k,)) for k in range(3)]
        for t in ts: t.start()
        for t in ts: t.join()
        print("done")
    """)
    assert rc == 0 and out == "done\n", err
    recs = dump(trace, "--defs")
    threads = {r["thread_def"]: r for r in recs if "thread_def" in r}
    assert len(threads) >= 4 and sum(t["main"] for t in threads.values()) == 1
    work_threads = {r["thread"] for r in recs if r.get("fn") == "work" and r.get("kind") == "call"}
    assert len(work_threads) == 3 and 0 not in work_threads


def test_threads_carry_their_threading_names(record, dump):
    """A thread started through `threading` is named in the trace (`reel info`, `threads` in
    `reel replay`, the Chrome timeline) as `threading` names it: an explicit name, an executor's
    worker name, the default `Thread-N (target)` with threading's own numbering. Reel's own count
    named them `Thread-1`, `Thread-2`, ... before. A name read only through Python code (a Thread
    subclass with a `_name` property) is left to Reel's count."""
    trace, out, err, rc = record("""
        import threading, concurrent.futures
        def work(k):
            return k * 2
        class Odd(threading.Thread):
            @property
            def _name(self):
                raise AssertionError("must not run")
            @_name.setter
            def _name(self, value):
                pass
        for t in (threading.Thread(target=work, args=(1,), name="db-writer"),
                  threading.Thread(target=work, args=(2,)),
                  Odd(target=work, args=(3,))):
            t.start()
            t.join()
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pool") as ex:
            print(ex.submit(work, 4).result())
    """)
    assert rc == 0 and out == "8\n", err
    recs = dump(trace, "--defs")
    names = {r["thread_def"]: r["name"] for r in recs if "thread_def" in r}
    by_call = {r["thread"]: names[r["thread"]] for r in recs
               if r.get("kind") == "call" and r.get("fn") == "work"}
    assert sorted(by_call.values()) == ["Thread-1 (work)", "Thread-3", "db-writer", "pool_0"]
    assert names[0] == "MainThread"


# --- behaves like a plain run ---------------------------------------------------------------

@pytest.mark.parametrize("source, status", [
    ("import sys\nprint('out'); print('err', file=sys.stderr)\nsys.exit(3)\n", 3),
    ("import atexit\natexit.register(print, 'bye')\ndef f():\n    raise KeyError('k')\nf()\n", 1),
    ("import sys\nsys.exit('message')\n", 1),
    ("import sys\nprint(sys.argv, __name__, __file__ == sys.argv[0] or __file__)\n", 0),
    ("import sys\nprint(sys.orig_argv[1:])\n", 0),
])
def test_same_behaviour_as_plain_run(record, run_plain, tmp_path, source, status):
    prog = tmp_path / "behave.py"
    prog.write_text(source)
    trace, out, err, rc = record(prog, "x", "--y")
    assert (out, err, rc) == run_plain(prog, "x", "--y")
    assert rc == status
    assert trace.exists()


def test_module_mode_behaves_like_python_m(python_exe, reel_env, plain_env, tmp_path, dump):
    # `python -m pkg.mod`: runpy's two frames start the stack, so they start an uncaught
    # exception's traceback too; `-m pkg` runs pkg/__main__.py.
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "boom.py").write_text("import sys\nprint(__name__, __spec__.name, sys.argv[1:])\n"
                                 "def f():\n    raise ValueError('in module')\nf()\n")
    (pkg / "__main__.py").write_text("print('main of', __package__)\nraise SystemExit(3)\n")
    for mod, status in (("pkg.boom", 1), ("pkg", 3)):
        plain = subprocess.run([python_exe, "-m", mod, "x"], cwd=tmp_path, env=plain_env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        trace = tmp_path / (mod + ".reel")
        rec = subprocess.run([python_exe, "-m", "reel", "record", "-o", str(trace), "-m", mod, "x"],
                             cwd=tmp_path, env=reel_env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        assert (rec.stdout, rec.stderr, rec.returncode) == (plain.stdout, plain.stderr,
                                                            plain.returncode)
        assert rec.returncode == status
        if mod == "pkg.boom":
            assert b'File "<frozen runpy>"' in rec.stderr and b"ValueError: in module" in rec.stderr
            calls = [r.get("fn") for r in dump(trace) if r.get("kind") == "call"]
            # The module runs under runpy's frames, as in a plain run (which finds the module
            # first: those calls are recorded too).
            assert calls[0] == "_run_module_as_main", calls[:5]
            assert calls.index("_run_code") < calls.index("<module>"), calls


def test_uncaught_exception_traceback_has_no_reel_frames(record, run_plain, tmp_path):
    prog = tmp_path / "boom.py"
    prog.write_text("def f():\n    1/0\nf()\n")
    trace, out, err, rc = record(prog)
    assert (out, err, rc) == run_plain(prog)
    assert "reel" not in err and "ZeroDivisionError" in err


def test_uncaught_exception_records_no_calls_of_reel_itself(record, tmp_path, dump):
    # Reel drops its own frames from the traceback while it still records (the program's
    # sys.excepthook is part of the run): that must not call os.path's Python functions, which
    # would be recorded as the program's calls after its last line.
    prog = tmp_path / "boom.py"
    prog.write_text("def f():\n    raise ValueError('x')\nf()\n")
    trace, out, err, rc = record(prog)
    assert rc == 1 and "ValueError" in err
    called = {r.get("fn") for r in dump(trace) if r.get("kind") == "call"}
    assert not called & {"abspath", "dirname", "_get_sep"}, called


@pytest.mark.parametrize("case", ["script", "command", "module", "package", "nul", "non-utf8"])
def test_program_that_does_not_compile_fails_as_in_a_plain_run(python_exe, reel_env, plain_env,
                                                                tmp_path, case):
    # The error alone, as the interpreter prints it: no frames of Reel's launcher; with -m the
    # traceback starts at runpy's _run_module_as_main. Before the fix the launcher's own frames
    # led the traceback.
    (tmp_path / "syn.py").write_text("def f(:\n")
    (tmp_path / "synmod.py").write_text("x = (\n")
    (tmp_path / "badpkg").mkdir()
    (tmp_path / "badpkg" / "__init__.py").write_text("print('init')\nraise RuntimeError('boom')\n")
    (tmp_path / "badpkg" / "m.py").write_text("print(1)\n")
    (tmp_path / "nul.py").write_bytes(b"x = 1\nprint('a\0b')\n")
    (tmp_path / "bad8.py").write_bytes(b"x = 1\ny = '\xff'\n")
    target = {"script": ["syn.py"], "command": ["-c", "def ("], "module": ["-m", "synmod"],
              "package": ["-m", "badpkg.m"], "nul": ["nul.py"], "non-utf8": ["bad8.py"]}[case]
    plain = _run([python_exe, *target], tmp_path, plain_env)
    recorded = _run([python_exe, "-m", "reel", "record", "-o", "x.reel", *target], tmp_path,
                    reel_env)
    assert plain[2] == 1
    assert recorded == plain


@pytest.mark.parametrize("case", ["directory", "zipapp", "stdin"])
def test_directory_zipapp_and_stdin_run_as_in_a_plain_run(python_exe, reel_env, plain_env,
                                                          tmp_path, dump, case):
    # `python DIR`, `python APP.pyz` run the __main__ module found there (through runpy, with
    # sys.path[0] the directory or archive); `python -` reads the program from stdin.
    show = ("import sys\nprint(sys.argv, sys.path[0], __name__, __file__)\n"
            "def f(n):\n    return n * 2\nprint(f(21))\nraise SystemExit(3)\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / "__main__.py").write_text(show)
    subprocess.run([python_exe, "-m", "zipapp", str(app), "-o", str(tmp_path / "app.pyz")],
                   check=True, env=plain_env, timeout=RUN_TIMEOUT)
    target = {"directory": ["app", "x"], "zipapp": ["app.pyz", "y"], "stdin": ["-", "z"]}[case]
    feed = show.encode() if case == "stdin" else None

    def run(cmd, env):
        proc = subprocess.run(cmd, cwd=tmp_path, env=env, input=feed, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        return _decode(proc.stdout), _decode(proc.stderr), proc.returncode

    plain = run([python_exe, *target], plain_env)
    recorded = run([python_exe, "-m", "reel", "record", "-o", "t.reel", *target], reel_env)
    assert plain[2] == 3 and "42" in plain[0]
    assert recorded == plain
    assert "f" in {r.get("fn") for r in dump(tmp_path / "t.reel") if r.get("kind") == "call"}


def test_first_collection_finds_only_the_programs_garbage(record, run_plain, tmp_path):
    # What Reel's own start-up leaves for the collector (its probe class, modules imported and
    # dropped again) is collected before the program starts: a leak check's first
    # gc.collect() reads what it reads in a plain run.
    prog = tmp_path / "leak.py"
    prog.write_text("import gc\nprint(gc.collect())\n"
                    "class Node:\n    pass\n"
                    "a, b = Node(), Node()\na.b, b.a = b, a\ndel a, b\nprint(gc.collect())\n")
    trace, out, err, rc = record(prog)
    assert (out, err, rc) == run_plain(prog)
    assert out.split()[0] == "0"


def test_keyboard_interrupt_kills_with_sigint(record, run_plain, tmp_path, dump):
    prog = tmp_path / "kbd.py"
    prog.write_text("import atexit\natexit.register(print, 'atexit ran')\nraise KeyboardInterrupt\n")
    trace, out, err, rc = record(prog)
    assert (out, err, rc) == run_plain(prog)
    assert rc == -signal.SIGINT
    assert trace.exists() and dump(trace)


def test_sigterm_closes_trace(python_exe, reel_env, tmp_path, dump):
    prog = tmp_path / "term.py"
    prog.write_text("import time\nprint('ready', flush=True)\nwhile True:\n    time.sleep(0.01)\n")
    trace = tmp_path / "term.reel"
    p = subprocess.Popen([python_exe, "-m", "reel", "record", "-o", str(trace), str(prog)],
                         env=reel_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline() == b"ready\n"
    time.sleep(0.3)
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=RUN_TIMEOUT)
    assert p.returncode == -signal.SIGTERM
    assert trace.exists(), "the trace is closed (renamed from .partial)"
    assert any(r.get("kind") == "opcode" for r in dump(trace))


def test_sigkill_leaves_recoverable_partial(python_exe, reel_env, tmp_path, reel_bin):
    prog = tmp_path / "killed.py"
    prog.write_text("import time\nn = 0\nprint('ready', flush=True)\nwhile True:\n    n += 1\n")
    trace = tmp_path / "killed.reel"
    p = subprocess.Popen([python_exe, "-m", "reel", "record", "-o", str(trace), str(prog)],
                         env=reel_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline() == b"ready\n"
    time.sleep(1.5)
    p.kill()
    p.wait(timeout=RUN_TIMEOUT)
    partial = pathlib.Path(str(trace) + ".partial")
    assert not trace.exists() and partial.exists()
    # Streamed and counted, not collected: 1.5 s of a tight loop is millions of records, and
    # several interpreters' suites run side by side on the CI machine.
    with subprocess.Popen([str(reel_bin), "dump", str(partial)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as dumper:
        opcodes = sum(1 for line in dumper.stdout if b'"kind":"opcode"' in line)
        err = dumper.stderr.read()
        assert dumper.wait(timeout=RUN_TIMEOUT) == 0, _decode(err)
    assert "recovered" in _decode(err)
    assert opcodes > 1000


# --- command line ---------------------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    ([], "no program given"),
    (["--max-depth", "x", "p.py"], "--max-depth needs an integer"),
    (["--max-items", "3", "p.py"], "--max-items must be at least 16"),
    (["--bogus", "p.py"], "unknown option --bogus"),
    (["-o"], "-o needs a value"),
])
def test_bad_arguments_exit_2(python_exe, reel_env, args, message):
    proc = subprocess.run([python_exe, "-m", "reel", "record", *args], env=reel_env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 2
    assert message in _decode(proc.stderr)


def test_reel_record_cli_uses_python_option(reel_bin, python_exe, pyver, tmp_path, dump):
    prog = tmp_path / "cli.py"
    prog.write_text("import os, sys\nprint(sys.version_info[:2], os.environ.get('PYTHONPATH', 'unset'))\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(reel_bin), "record", "--python", python_exe, str(prog)], cwd=tmp_path,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    major, minor = pyver.split(".")
    assert proc.stdout.decode() == "(%s, %s) unset\n" % (major, minor)
    assert any(r.get("kind") == "call" for r in dump(tmp_path / "cli.reel"))


def test_reel_record_cli_rejects_unsupported_python(reel_bin, tmp_path):
    proc = subprocess.run([str(reel_bin), "record", "--python", "/nonexistent/python3", "x.py"],
                          cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 2 and "cannot run Python interpreter" in _decode(proc.stderr)


def test_module_and_command_modes(python_exe, reel_env, tmp_path, dump):
    pkg = tmp_path / "mymod.py"
    pkg.write_text("import sys\nprint('mod', __name__, sys.argv[1:])\n")
    (tmp_path / "origmod.py").write_text("import sys\nprint(sys.orig_argv)\n")
    proc = subprocess.run([python_exe, "-m", "reel", "record", "-m", "mymod", "a"], cwd=tmp_path,
                          env=reel_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    assert proc.stdout == b"mod __main__ ['a']\n"
    # sys.orig_argv as `python -X utf8 -m mymod a` / `python -c CODE b` would have it.
    proc = subprocess.run([python_exe, "-X", "utf8", "-m", "reel", "record", "-o", "o.reel", "-m",
                           "origmod", "a"], cwd=tmp_path, env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    assert proc.stdout == repr([python_exe, "-X", "utf8", "-m", "origmod", "a"]).encode() + b"\n"
    code = "import sys; print(sys.orig_argv[1:])"
    proc = subprocess.run([python_exe, "-m", "reel", "record", "-o", "c.reel", "-c", code, "b"],
                          cwd=tmp_path, env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    assert proc.stdout == repr(["-c", code, "b"]).encode() + b"\n"
    assert (tmp_path / "mymod.reel").exists()
    proc = subprocess.run([python_exe, "-m", "reel", "record", "-c", "x = 6 * 7\nprint(x)"], cwd=tmp_path,
                          env=reel_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0 and proc.stdout == b"42\n", _decode(proc.stderr)
    recs = dump(tmp_path / "command.reel")
    assert any(r.get("kind") == "name_set" and r.get("name") == "x" and r.get("value") == 42 for r in recs)


def test_only_and_exclude_filters(record, dump, tmp_path):
    (tmp_path / "helper_lib.py").write_text("def helper(x):\n    return x + 1\n")
    src = "import helper_lib\ndef main():\n    return helper_lib.helper(1)\nprint(main())\n"
    trace, out, err, rc = record(src, extra=["--exclude", str(tmp_path / "helper_lib.py")])
    assert rc == 0 and out == "2\n", err
    fns = {r.get("fn") for r in dump(trace) if r.get("kind") == "call"}
    assert "main" in fns and "helper" not in fns
    trace, out, err, rc = record(src, extra=["--only", str(tmp_path / "helper_lib.py")])
    fns = {r.get("fn") for r in dump(trace) if r.get("kind") == "call"}
    assert fns == {"<module>", "helper"}  # helper_lib's module body and helper()


def test_filters_see_through_dot_dot_in_file_names(record, dump, tmp_path):
    # A module imported through a sys.path entry with ".." has a file name that starts with the
    # program's directory; it is not in it, for --only and --exclude as for os.path.abspath.
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "lib_mod.py").write_text("def helper(x):\n    return x + 1\n")
    prog_dir = tmp_path / "prog"
    prog_dir.mkdir()
    prog = prog_dir / "main_prog.py"
    prog.write_text("import os, sys\n"
                    "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))\n"
                    "import lib_mod\ndef main():\n    return lib_mod.helper(1)\nprint(main())\n")
    trace, out, err, rc = record(prog, extra=["--only", str(prog_dir)])
    assert rc == 0 and out == "2\n", err
    fns = {r.get("fn") for r in dump(trace) if r.get("kind") == "call"}
    assert "main" in fns and "helper" not in fns
    trace, out, err, rc = record(prog, extra=["--exclude", str(tmp_path / "lib")])
    fns = {r.get("fn") for r in dump(trace) if r.get("kind") == "call"}
    assert "main" in fns and "helper" not in fns


def test_python_api_context_manager(python_exe, reel_env, tmp_path, dump):
    prog = tmp_path / "api.py"
    trace = tmp_path / "api.reel"
    prog.write_text(textwrap.dedent("""
        import reel, sys
        def work(n):
            return sum(range(n))
        with reel.record(sys.argv[1]):
            assert reel.is_recording()
            r = work(10)
        assert not reel.is_recording()
        work(5)
        print(r)
    """))
    proc = subprocess.run([python_exe, str(prog), str(trace)], env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0 and proc.stdout == b"45\n", _decode(proc.stderr)
    recs = dump(trace)
    calls = [r for r in recs if r.get("kind") == "call"]
    assert [r["fn"] for r in calls].count("work") == 1
    assert not any("reel" in (r.get("fn") or "") for r in recs)


def test_python_api_records_output_inside_the_block_only(python_exe, reel_env, tmp_path, dump):
    """reel.record()/start() record what the block prints (text, bytes and os.write), at the
    function that printed it; stop() puts the original streams back, so output after the block
    is neither recorded nor routed through Reel, and the bytes on the real stdout are unchanged."""
    prog = tmp_path / "api_out.py"
    trace = tmp_path / "api_out.reel"
    prog.write_text(textwrap.dedent("""
        import os, reel, sys
        original = sys.stdout
        def talk():
            print("inside")
            sys.stdout.flush()
            sys.stdout.buffer.write(b"bytes\\n")
            sys.stdout.buffer.flush()
            os.write(1, b"raw\\n")
        with reel.record(sys.argv[1]):
            wrapped = sys.stdout is not original
            talk()
        print("after", wrapped, sys.stdout is original, sys.stdout is sys.__stdout__)
    """))
    proc = subprocess.run([python_exe, str(prog), str(trace)], env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    assert proc.stdout == b"inside\nbytes\nraw\nafter True True True\n"
    outputs = [(r.get("fn"), r["text"]) for r in dump(trace) if r.get("kind") == "output"]
    assert outputs == [("talk", "inside"), ("talk", "\n"), ("talk", "bytes\n"),
                       ("talk", "raw\n")]


# --- against the reference tracer -----------------------------------------------------------

def _implied_events(recs, only_dir):
    """The settrace view implied by a trace: (ev, fn, line, off) for frames in only_dir."""
    wanted = {}
    for r in recs:
        if "instructions" in r:
            fn = r["filename"]
            wanted[r["code"]] = not fn.startswith("<") and \
                os.path.realpath(fn).startswith(str(only_dir) + os.sep)
    kinds = {"call": "call", "resume": "call", "opcode": "opcode", "exception": "exception",
             "return": "return", "yield": "return", "unwind": "return"}
    out = []
    for r in recs:
        if "ev" in r and wanted.get(r.get("code")):
            line = r.get("line")
            out.append((kinds[r["kind"]], r["fn"], None if line == -1 else line, r.get("off")))
    return out


def test_event_sequence_matches_oracle(corpus_program, record, dump, run_oracle, run_plain, tmp_path):
    trace, out, err, rc = record(corpus_program)
    assert (out, err, rc) == run_plain(corpus_program)
    oracle_out = tmp_path / "oracle.jsonl"
    run_oracle(corpus_program, oracle_out, only=PROGRAMS_DIR)
    expected = []
    for line in oracle_out.read_text(encoding="utf-8", errors="surrogatepass").splitlines():
        j = json.loads(line)
        expected.append((j["ev"], j["fn"], j["line"], j.get("off")))
    actual = _implied_events(dump(trace, "--defs"), PROGRAMS_DIR.resolve())
    if actual != expected:
        for i, (a, e) in enumerate(zip(actual, expected)):
            if a != e:
                pytest.fail("event %d differs: recorded %r, oracle %r\n recorded: %r\n oracle:   %r"
                            % (i, a, e, actual[max(0, i - 4):i + 3], expected[max(0, i - 4):i + 3]))
        pytest.fail("lengths differ: recorded %d, oracle %d" % (len(actual), len(expected)))


# --- output, async generator hooks ------------------------------------------------------------

def test_output_recorded_at_its_point(record, dump):
    trace, out, err, rc = record("""
        import sys
        def shout(x):
            print("value", x)
            sys.stderr.write("warn\\n")
        shout(1)
        shout(2)
    """)
    assert rc == 0 and out == "value 1\nvalue 2\n" and err == "warn\nwarn\n"
    recs = dump(trace)
    outs = [(r["stream"], r["text"], r.get("fn")) for r in recs if r.get("kind") == "output"]
    assert "".join(t for s, t, _ in outs if s == 1) == out
    assert "".join(t for s, t, _ in outs if s == 2) == err
    assert all(fn == "shout" for _, _, fn in outs)  # written while shout() was the top frame


def test_asyncgen_hooks_recorded_and_transparent(record, dump):
    trace, out, err, rc = record("""
        import asyncio, sys
        seen = []
        async def agen():
            yield 1
            yield 2
        async def main():
            hooks = sys.get_asyncgen_hooks()
            seen.append(hooks.firstiter.__qualname__)
            async for v in agen():
                seen.append(v)
            g = agen()
            await g.__anext__()
            await g.aclose()
        asyncio.run(main())
        mine = []
        sys.set_asyncgen_hooks(firstiter=lambda g: mine.append("first"))
        async def solo():
            yield 0
        g = solo()
        try:
            g.__anext__().send(None)
        except StopIteration:
            pass
        print(seen, mine, sys.get_asyncgen_hooks().firstiter.__qualname__)
    """)
    assert rc == 0, err
    assert out == "['BaseEventLoop._asyncgen_firstiter_hook', 1, 2] ['first'] <lambda>\n"
    hooks = [r for r in dump(trace) if r.get("kind") == "asyncgen_hook"]
    assert [h["hook"] for h in hooks].count(0) == 3  # two in asyncio.run, one with our lambda


def test_asyncgen_hooks_invisible_to_the_programs_tracer_and_profiler(record, run_plain, dump,
                                                                       tmp_path):
    # The hooks Reel installs are C callables: a tracer or profiler the program installs sees
    # the same events as in a plain run (a Python wrapper showed up as a call of `firstiter`,
    # which made CPython's test_sys_settrace fail), and an error in the program's own hook has
    # the same traceback.
    program = tmp_path / "hooks_seen.py"
    program.write_text(textwrap.dedent("""
        import sys
        events = []
        def profile(frame, event, arg):
            events.append((frame.f_code.co_name, event))
        def trace(frame, event, arg):
            events.append((frame.f_code.co_name, event))
            return trace
        async def agen():
            yield 1
        async def main():
            async for _ in agen():
                pass
        def run():
            coro = main()
            try:
                coro.send(None)
            except StopIteration:
                pass
        for install in (sys.setprofile, sys.settrace):
            install(profile if install is sys.setprofile else trace)
            run()
            install(None)
            print(events)
            events.clear()
        def broken(g):
            raise KeyError("from the program's hook")
        sys.set_asyncgen_hooks(firstiter=broken)
        run()
    """))
    plain = run_plain(program)
    assert plain[2] == 1 and "KeyError" in plain[1]
    trace, *recorded = record(program)
    assert tuple(recorded) == plain
    assert sum(1 for r in dump(trace) if r.get("kind") == "asyncgen_hook") == 3


def test_asyncgen_hook_functions_behave_as_the_real_ones(record, run_plain, dump, tmp_path):
    # While recording, sys.set_asyncgen_hooks/get_asyncgen_hooks are stand-ins: the same kind of
    # object with the same signature (3.13's test_inspect checks it), the same errors, and the
    # getter answers with what the program installed, argument by argument.
    program = tmp_path / "hook_functions.py"
    program.write_text(textwrap.dedent("""
        import inspect, sys
        for f in (sys.set_asyncgen_hooks, sys.get_asyncgen_hooks):
            try:
                sig = str(inspect.signature(f))
            except ValueError:
                sig = None
            print(type(f).__name__, f.__module__, f.__name__, sig, f.__self__ is sys)
        for bad in ({"firstiter": 1}, {"finalizer": "x"}, {"nope": None}):
            try:
                sys.set_asyncgen_hooks(**bad)
            except TypeError as e:
                print("TypeError", e)
        def first(g):
            print("first", type(g).__name__)
        def fin(g):
            print("fin")
        sys.set_asyncgen_hooks(firstiter=first)
        sys.set_asyncgen_hooks(finalizer=fin)
        hooks = sys.get_asyncgen_hooks()
        print(type(hooks).__name__, hooks.firstiter is first, hooks.finalizer is fin)
        async def agen():
            yield 1
        g = agen()
        try:
            g.__anext__().send(None)
        except StopIteration:
            pass
        del g
        sys.set_asyncgen_hooks(None, None)
        print(sys.get_asyncgen_hooks())
    """))
    plain = run_plain(program)
    assert plain[2] == 0, plain[1]
    assert "first async_generator\nfin\n" in plain[0]
    trace, *recorded = record(program)
    assert tuple(recorded) == plain
    assert [r["hook"] for r in dump(trace) if r.get("kind") == "asyncgen_hook"] == [0, 1]


def test_recorder_weakrefs_not_in_gc_get_objects(record, run_plain, tmp_path):
    # The recorder's weakrefs (identities, code objects given INSTRUCTION events) are untracked
    # by the GC: counting gc.get_objects() around a method's first call and a new object's first
    # capture gives what a plain run gives (CPython's test_descr does this).
    program = tmp_path / "gc_count.py"
    program.write_text(textwrap.dedent("""
        import gc
        class G:
            def __eq__(self, other):
                return False
        def main():
            g = G()
            before = len(gc.get_objects())
            for _ in range(10):
                g == g
            h = G()
            h.x = [1]
            after = len(gc.get_objects())
            print(after - before)
        main()
    """))
    plain = run_plain(program)
    assert plain[2] == 0, plain[1]
    trace, *recorded = record(program)
    assert tuple(recorded) == plain


@pytest.mark.parametrize("hook", ["auto", "settrace"])
def test_saving_and_restoring_the_trace_function_keeps_recording(python_exe, reel_env, dump,
                                                                  tmp_path, hook):
    # doctest (and any code that saves sys.gettrace() and restores it) calls sys.settrace(None):
    # under legacy tracing the recorder's C hook reads back as None, and that call removed it.
    # A program's own tracer still works, and removing it is still honoured (the output).
    program = tmp_path / "restore_trace.py"
    program.write_text(textwrap.dedent("""
        import doctest, sys
        def double(n):
            \"\"\"
            >>> double(2)
            4
            \"\"\"
            return n * 2
        def after(n):
            return n + 1
        saved = sys.gettrace()
        sys.settrace(None)
        sys.settrace(saved)
        print(doctest.testmod(), sys.gettrace())
        for i in range(3):
            after(i)
        seen = []
        def mine(frame, event, arg):
            seen.append(event)
        sys.settrace(mine)
        after(0)
        sys.settrace(None)
        print(seen, sys.gettrace())
    """))
    trace = tmp_path / "restore_trace.reel"
    env = dict(reel_env)
    if hook != "auto":
        env["REEL_HOOK"] = hook
    proc = subprocess.run([python_exe, "-m", "reel", "record", "-o", str(trace), str(program)],
                          cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "TestResults(failed=0, attempted=1) None\n['call'] None\n"
    calls = [r.get("fn") for r in dump(trace) if r.get("kind") == "call"]
    assert calls.count("double") == 1  # run by doctest
    # The loop after doctest is recorded whichever hook records. (After the program's own
    # tracer, legacy tracing stays off: docs/recorder.md, "Known gaps".)
    assert calls.count("after") >= 3


def test_stand_in_builtins_look_like_the_real_ones(python_exe, reel_env):
    # os.write, sys.settrace (legacy hook) and the async generator hook functions are replaced
    # while recording: help(), inspect and CPython's test_inspect see the real name, module, doc,
    # text signature and signature.
    code = textwrap.dedent("""
        import inspect, os, sys
        from reel import _reel
        def signature(f):
            try:
                return str(inspect.signature(f))
            except ValueError:  # sys.settrace and set_asyncgen_hooks before 3.13 have none
                return None
        hooks = (sys.set_asyncgen_hooks, sys.get_asyncgen_hooks)
        for real, tap in ((os.write, _reel._make_os_write(os.write)),
                          (sys.settrace, _reel._make_settrace(sys.settrace)),
                          *zip(hooks, _reel._make_asyncgen_hooks(*hooks))):
            print(all(getattr(tap, a) == getattr(real, a) for a in
                      ("__name__", "__doc__", "__text_signature__", "__self__")),
                  signature(tap) == signature(real), tap.__module__)
    """)
    proc = subprocess.run([python_exe, "-c", code], env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "True True posix\nTrue True sys\nTrue True sys\nTrue True sys\n"


@pytest.mark.parametrize("mode", [[], ["--last", "100000"]], ids=["trace", "flight"])
def test_forked_child_runs_unrecorded(record, dump, mode):
    # On 3.12+ os.fork() warns (a DeprecationWarning on stderr, an error under -W error) when
    # the process has more than one thread: the recorder's writer threads must not make it so.
    trace, out, err, rc = record("""
        import os, warnings
        warnings.simplefilter("always")
        def child_work():
            return sum(range(10))
        def parent_work(i):
            return i * 2
        for i in range(3):
            pid = os.fork()
            if pid == 0:
                os._exit(child_work())
            _, status = os.waitpid(pid, 0)
            print(os.waitstatus_to_exitcode(status), parent_work(i))
    """, extra=mode)
    assert (rc, out, err) == (0, "45 0\n45 2\n45 4\n", "")
    calls = [r.get("fn") for r in dump(trace) if r.get("kind") == "call"]
    assert "child_work" not in calls
    # The parent goes on recording after each fork.
    assert calls.count("parent_work") == 3


def test_os_exit_keeps_everything(record, dump):
    # os._exit skips atexit; the launcher's os._exit closes the trace first (test_failing_runs.py
    # checks its exit record and the bytes against a plain run).
    trace, out, err, rc = record("""
        import os
        def f(n):
            return n * 2
        for i in range(100):
            f(i)
        print("bye", flush=True)
        os._exit(4)
    """)
    assert (out, rc) == ("bye\n", 4), err
    assert trace.exists() and not pathlib.Path(str(trace) + ".partial").exists()
    recs = dump(trace)
    assert sum(1 for r in recs if r.get("kind") == "call" and r.get("fn") == "f") == 100


def test_pgo_training_recorded_every_program(build_dir, pyver):
    """The extension under test was built from a profile of a training run (recorder/CMakeLists.txt,
    REEL_PGO) in which every training program was recorded: a training that breaks only prints a
    warning during the build and leaves a slower recorder, so it is caught here."""
    # Written by the training step, which fails the build if it cannot run at all.
    stamp = build_dir / "recorder" / "pgo" / pyver / "trained.stamp"
    if not stamp.exists():
        pytest.skip("not a PGO build (REEL_PGO off or not gcc, or a copy of the build's outputs)")
    note = stamp.read_text()
    profiles, programs, total = re.match(
        r"(\d+) profiles from (\d+) of (\d+) programs", note).groups()
    assert int(profiles) > 0, note
    assert programs == total, note


# --- the modules a recorded program starts with -----------------------------------------------

# Reel's own modules, and the builtin `atexit` (it has no state a program could tell apart).
_REEL_MODULES = re.compile(r"^(reel(\..*)?|atexit)$")
_SHOW_MODULES = "import sys\nprint(sorted(sys.modules))\nprint(sys.orig_argv[1:], sys.path[0], sys.argv)\n"


def _modules_and_rest(stdout):
    first, rest = stdout.split("\n", 1)
    return set(ast.literal_eval(first)), rest


def test_program_starts_with_the_modules_of_a_plain_run(reel_bin, python_exe, plain_env, reel_env,
                                                        tmp_path):
    """A recorded program sees the sys.modules a plain run has, plus Reel's own: a program that
    patches a module before importing another that binds it at import (time.monotonic before
    threading) computes the same. Neither `reel record` nor `python -m reel record` adds runpy's
    imports (the latter re-runs itself as `python reel/_record.py`)."""
    prog = tmp_path / "mods.py"
    prog.write_text(_SHOW_MODULES)
    out, err, rc = _run([python_exe, str(prog), "a"], tmp_path, plain_env)
    assert rc == 0, err
    plain_mods, plain_rest = _modules_and_rest(out)
    # What `python -m` itself brings (runpy, importlib.util, ...), from a plain `python -m mods`.
    out, err, rc = _run([python_exe, "-m", "mods", "a"], tmp_path, plain_env)
    assert rc == 0, err
    runpy_mods = _modules_and_rest(out)[0] - plain_mods
    assert "runpy" in runpy_mods

    out, err, rc = _run([str(reel_bin), "record", "--python", python_exe, "-o", "cli.reel",
                         str(prog), "a"], tmp_path, plain_env)
    assert rc == 0, err
    cli_mods, cli_rest = _modules_and_rest(out)
    assert cli_rest == plain_rest  # sys.orig_argv, sys.path[0], sys.argv
    assert plain_mods <= cli_mods
    assert {m for m in cli_mods - plain_mods if not _REEL_MODULES.match(m)} == set()
    assert "reel._launcher" in cli_mods

    out, err, rc = _run([python_exe, "-m", "reel", "record", "-o", "m.reel", str(prog), "a"],
                        tmp_path, reel_env)
    assert rc == 0, err
    m_mods, m_rest = _modules_and_rest(out)
    assert m_rest == plain_rest
    assert plain_mods <= m_mods
    assert {m for m in m_mods - plain_mods if not _REEL_MODULES.match(m)} == set()
    assert (tmp_path / "cli.reel").exists() and (tmp_path / "m.reel").exists()


_RECURSION = textwrap.dedent("""
    import json, sys
    sys.setrecursionlimit(300)
    def down(n):
        try:
            return down(n + 1)
        except RecursionError:
            return n
    def json_fails(n):
        x = []
        for _ in range(n):
            x = [x]
        try:
            json.dumps(x)
        except RecursionError:
            return True
        return False
    def json_depth():
        # The exact depth where json's C recursion fails: by fifties, then one by one.
        low = 0
        while not json_fails(low + 50):
            low += 50
        while not json_fails(low + 1):
            low += 1
        return low
    print(down(0), json_depth(), sys.getrecursionlimit())
""")


@pytest.mark.parametrize("mode", ["script", "-m", "-c"])
def test_recursion_error_at_the_depth_of_a_plain_run(reel_bin, python_exe, plain_env, tmp_path,
                                                     mode):
    """The launcher's frames (reel/_record.py, main, the call of the program) take recursion
    levels a plain run has: lent to the program, a RecursionError comes at the same depth,
    Python frames and C levels (json's encoder), with sys.getrecursionlimit() unchanged."""
    (tmp_path / "deep.py").write_text(_RECURSION)
    target = {"script": ["deep.py"], "-m": ["-m", "deep"], "-c": ["-c", _RECURSION]}[mode]
    plain = _run([python_exe, *target], tmp_path, plain_env)
    assert plain[2] == 0, plain[1]
    rec = _run([str(reel_bin), "record", "--python", python_exe, "-o", "d.reel", *target],
               tmp_path, plain_env)
    assert rec == plain


_STACK_WALKS = textwrap.dedent("""
    import inspect, logging, sys, traceback, warnings
    logging.basicConfig(format="%(module)s:%(lineno)d %(message)s")
    kept = []
    def walk():
        traceback.print_stack()
        print(len(inspect.stack()), [f.function for f in inspect.stack()][-3:])
        depth = 0
        try:
            while True:
                sys._getframe(depth)
                depth += 1
        except ValueError:
            print("frames", depth)
        warnings.warn("from below the program", stacklevel=depth + 1)
        logging.warning("with stack", stack_info=True)
        kept.append(sys._getframe())
    walk()
    outer = kept[0].f_back
    print(outer.f_code.co_name, outer.f_back and outer.f_back.f_code.co_name)
    def gen():
        yield sys._getframe().f_back.f_back
    below = next(gen())
    print(below and (below.f_code.co_name, below.f_lineno))
""")


@pytest.mark.parametrize("mode", ["script", "-m", "-c"])
def test_stack_walks_end_where_a_plain_run_does(reel_bin, python_exe, plain_env, tmp_path, mode):
    """The program runs detached from the launcher's frames (_call_detached): code that walks the
    stack to its bottom (traceback.print_stack, inspect.stack, sys._getframe, a warning's
    stacklevel, logging's stack_info, f_back of a frame that outlived its call) sees what it sees
    in a plain run, with runpy's two frames under `-m` and the command's source under 3.13's
    `-c`."""
    (tmp_path / "walks.py").write_text(_STACK_WALKS)
    target = {"script": ["walks.py"], "-m": ["-m", "walks"], "-c": ["-c", _STACK_WALKS]}[mode]
    plain = _run([python_exe, *target], tmp_path, plain_env)
    assert plain[2] == 0, plain[1]
    assert "frames" in plain[0] and "with stack" in plain[1]
    rec = _run([str(reel_bin), "record", "--python", python_exe, "-o", "w.reel", *target],
               tmp_path, plain_env)
    assert rec == plain


_SHOW_FLAGS = ("import sys, os\n"
               "print(sys.orig_argv[1:], sys.flags.dont_write_bytecode, sys.flags.dev_mode,\n"
               "      sys.flags.optimize, 'runpy' in sys.modules, os.environ.get('PYTHONPATH'))\n")


@pytest.mark.parametrize("spelling", [["-m", "reel"], ["-Bmreel"], ["-B", "-O", "-m", "reel"]],
                         ids=["separate", "combined", "flags"])
def test_python_m_reel_keeps_interpreter_options(python_exe, plain_env, build_dir, pyver,
                                                 tmp_path, spelling):
    """`python [options] -m reel record prog` re-runs itself as `python [options]
    reel/_record.py record prog`: the program sees the options of `python [options] prog` (in
    sys.flags and sys.orig_argv), not runpy, and its own PYTHONPATH. Run from the package's own
    directory with no PYTHONPATH, the package is found through the working directory, which the
    re-run process reaches through PYTHONPATH instead (given back to the program unset)."""
    prog = tmp_path / "flags.py"
    prog.write_text(_SHOW_FLAGS)
    options = [a for a in spelling if a not in ("-m", "reel")]
    options = ["-B"] if options == ["-Bmreel"] else options
    plain = _run([python_exe, "-X", "dev", *options, str(prog), "a"], tmp_path, plain_env)
    assert plain[2] == 0, plain[1]
    assert "False" in plain[0]  # no runpy in a plain run
    pkg_parent = build_dir / "python" / pyver
    rec = _run([python_exe, "-X", "dev", *spelling, "record", "-o", str(tmp_path / "f.reel"),
                str(prog), "a"], pkg_parent, plain_env)
    assert rec[2] == 0, rec[1]
    assert rec == plain
    assert (tmp_path / "f.reel").exists()


def test_module_patched_before_threading_is_imported(record, run_plain, tmp_path, dump):
    # threading binds time.monotonic at import. Reel does not import threading: it sets
    # threading's trace hook when it first sees Thread.start, so the threads are still recorded.
    prog = tmp_path / "patch_first.py"
    prog.write_text(textwrap.dedent("""
        import sys, time
        preloaded = "threading" in sys.modules
        time.monotonic = lambda: 42.0
        import threading
        def work(k):
            return sum(range(k))
        ts = [threading.Thread(target=work, args=(k,)) for k in (10, 20)]
        for t in ts: t.start()
        for t in ts: t.join()
        print(preloaded or threading._time())
    """))
    trace, out, err, rc = record(prog)
    assert (out, err, rc) == run_plain(prog)
    assert rc == 0
    work_threads = {r["thread"] for r in dump(trace) if r.get("fn") == "work" and r.get("kind") == "call"}
    assert len(work_threads) == 2 and 0 not in work_threads


def test_thread_hook_set_at_thread_start_is_removed_at_stop(python_exe, reel_env, tmp_path, dump):
    prog = tmp_path / "api_threads.py"
    trace = tmp_path / "api_threads.reel"
    prog.write_text(textwrap.dedent("""
        import reel, sys
        def work(k):
            return k * 2
        with reel.record(sys.argv[1]):
            import threading
            t = threading.Thread(target=work, args=(4,))
            t.start(); t.join()
            during = threading.gettrace() is not None
        print(during, threading.gettrace())
    """))
    proc = subprocess.run([python_exe, str(prog), str(trace)], env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0 and proc.stdout == b"True None\n", _decode(proc.stderr)
    calls = [r for r in dump(trace) if r.get("fn") == "work" and r.get("kind") == "call"]
    assert len(calls) == 1 and calls[0]["thread"] != 0


def test_safe_path_leaves_sys_path_alone(python_exe, plain_env, reel_env, tmp_path):
    # -P (PYTHONSAFEPATH): the interpreter puts neither the script's directory nor the working
    # directory first, for the program as for `python -m reel`; the launcher must not either.
    prog = tmp_path / "safe.py"
    prog.write_text("import sys\nprint(sys.path)\n")
    plain_out, _, _ = _run([python_exe, "-P", str(prog)], tmp_path, plain_env)
    out, err, rc = _run([python_exe, "-P", "-m", "reel", "record", "-o", "safe.reel", str(prog)],
                        tmp_path, reel_env)
    assert rc == 0, err
    # Apart from reel_env's PYTHONPATH entry, the recorded run's path is the plain one.
    rec_path = [p for p in ast.literal_eval(out) if p != reel_env["PYTHONPATH"]]
    assert rec_path == ast.literal_eval(plain_out)
    assert str(tmp_path) not in rec_path


def test_collector_counts_as_in_a_plain_run(record, run_plain, tmp_path):
    # The recorder's weakrefs (one per captured object with an identity) used to count as
    # allocations: the program's collections, and the finalizers of its cyclic garbage, came
    # earlier than in a plain run. gc.get_count() after each iteration must read the same.
    prog = tmp_path / "gc_counts.py"
    prog.write_text(textwrap.dedent("""
        import gc

        class Box:
            pass

        def run():
            gc.collect()
            gc.disable()
            counts = []
            keep = []
            for i in range(300):
                b = Box()
                b.n = i
                keep.append(b)
                if i % 50 == 0:
                    del keep[:10]
                counts.append(gc.get_count()[0])
            gc.enable()
            return counts

        print(run())
    """))
    trace, out, err, rc = record(prog)
    assert rc == 0, err
    assert (out, err, rc) == run_plain(prog)


@pytest.mark.parametrize("mode", ["-m", "-c"])
def test_reel_record_cli_modes_like_python(reel_bin, python_exe, plain_env, tmp_path, mode):
    # `reel record` runs the launcher as a script (reel/_record.py), not as `python -m reel`:
    # sys.path[0], sys.argv and sys.orig_argv must still be those of `python -m mod` / `-c code`.
    show = "import sys; print(sys.path[0], sys.argv, sys.orig_argv[1:], __name__)"
    (tmp_path / "showmod.py").write_text(show + "\n")
    target = "showmod" if mode == "-m" else show
    plain = _run([python_exe, mode, target, "arg"], tmp_path, plain_env)
    rec = _run([str(reel_bin), "record", "--python", python_exe, "-o", "t.reel", mode, target,
                "arg"], tmp_path, plain_env)
    assert rec[2] == 0, rec[1]
    assert rec == plain
    assert (tmp_path / "t.reel").exists()
