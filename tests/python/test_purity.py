"""Per-execution purity (recorder/src/Purity.cpp, docs/recorder.md "Cheap change detection").

The operands of BINARY_OP, CALL, LOAD_ATTR, ... are read from the frame's value stack at the
opcode event, at a depth taken from a static table per code object (CodeTable::stackDepths) on
3.12/3.13, where the interpreter does not save its stack pointer for the hook. A wrong depth reads a
dead stack slot, so the table is checked against the interpreter's own saved stack pointer on 3.11
(REEL_CHECK_STACK_DEPTH=1 makes the recorder compare them at every opcode event and stop with an
internal error on the first disagreement).

Whether the purity rules ever miss a mutation is the fidelity corpus's job
(tests/programs/purity_traps.py and the rest of tests/programs, test_fidelity.py).
"""

import re
import subprocess

import pytest

from conftest import RUN_TIMEOUT, SOURCE_DIR, corpus_program_paths


def _record(python_exe, reel_env, program, out, cwd):
    env = dict(reel_env)
    env["REEL_CHECK_STACK_DEPTH"] = "1"
    return subprocess.run(
        [python_exe, "-m", "reel", "record", "-o", str(out), str(program)],
        cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)


def _programs():
    # The corpus plus the benchmark workloads (loop.py left out: 21M events take a while).
    workloads = SOURCE_DIR / "bench" / "workloads"
    return list(corpus_program_paths()) + [workloads / n for n in ("nbody.py", "parser.py",
                                                                   "queens.py")]


@pytest.mark.parametrize("program", _programs(), ids=lambda p: p.stem)
def test_static_stack_depths_match_interpreter(program, python_exe, pyver, reel_env, tmp_path):
    if pyver != "3.11":
        pytest.skip("only 3.11 saves the stack pointer at opcode events")
    proc = _record(python_exe, reel_env, program, tmp_path / "t.reel", program.parent)
    err = proc.stderr.decode("utf-8", "replace")
    assert "internal error" not in err, err[-3000:]
    m = re.search(r"reel: stack depth check: (\d+) opcode events, (\d+) compared, (\d+) unknown",
                  err)
    assert m, "no stack depth check report on stderr:\n" + err[-3000:]
    events, compared, unknown = map(int, m.groups())
    assert events > 0
    # Every opcode event of reachable code has a table depth to compare.
    assert unknown == 0
    assert compared == events


def _unnamed_sites(python_exe, reel_env, program, tmp_path):
    """`program` recorded with REEL_PURITY_SITES=1: its "unnamed mutation" lines, split at tabs
    (label, count, file, qualname, offset, unchanged walks after it)."""
    env = dict(reel_env, REEL_PURITY_SITES="1")
    proc = subprocess.run(
        [python_exe, "-m", "reel", "record", "-o", str(tmp_path / "t.reel"), str(program)],
        cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return [line.split("\t") for line in proc.stderr.decode().splitlines()
            if line.startswith("reel: unnamed mutation\t")]


def test_everyday_idioms_leave_no_unnamed_mutation(python_exe, pyver, reel_env, tmp_path):
    # A purity rule that silently stops applying (a type not found, a probe that failed) keeps
    # every recording correct but makes each frame check its locals again after every such
    # instruction: the fidelity corpus cannot see it. tests/programs/idioms_pure.py runs its
    # idioms twice; a site inside them judged a mutation nobody names in both runs is a rule gone.
    program = SOURCE_DIR / "tests" / "programs" / "idioms_pure.py"
    sites = _unnamed_sites(python_exe, reel_env, program, tmp_path)
    assert sites, "REEL_PURITY_SITES=1 listed nothing (the program's first calls should be there)"
    repeated = [s for s in sites if s[2] == str(program) and int(s[1]) > 1 and
                (s[3].startswith("pure_idioms") or
                 # 3.11's zero-argument super() is a call of the super type, not judged
                 (s[3] in ("Guarded.__setattr__", "Meta.__setattr__") and pyver != "3.11"))]
    assert not repeated, "\n".join("\t".join(s[1:]) for s in repeated)


def test_module_level_names_are_named_changes(python_exe, reel_env, tmp_path):
    # LOAD_NAME in exact dicts of str keys is pure; STORE_NAME/DELETE_NAME and STORE_GLOBAL/
    # DELETE_GLOBAL change one named dict. Before, each of them made every frame walk all its
    # locals again, and module-level code all its mutable globals (an import-heavy program spent
    # most of its recording there). The loop at the top of module_names.py runs four times: no
    # site of the module's code may be an unnamed mutation more than once. A class body whose
    # namespace is a dict subclass (__prepare__) keeps the old verdict.
    program = SOURCE_DIR / "tests" / "programs" / "module_names.py"
    sites = [s for s in _unnamed_sites(python_exe, reel_env, program, tmp_path)
             if s[2] == str(program)]
    repeated = [s for s in sites if s[3] in ("<module>", "set_global", "drop_global")
                and int(s[1]) > 1]
    assert not repeated, "\n".join("\t".join(s[1:]) for s in repeated)
    assert any(s[3] == "Shape" for s in sites), sites


_AWAIT_LIB = '''
async def fetch(xs, v):
    xs.append(v)
    return len(xs)


def bump(xs):
    xs.append("bump")


def gen_fill(xs):
    xs.append("gen")
    yield len(xs)


class Awaitable:
    def __init__(self, xs):
        self.xs = xs

    def __await__(self):
        self.xs.append("await")
        return iter(())
'''

_AWAIT_PROGRAM = '''
import asyncio, functools, os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import _await_lib as lib


def c_awaitable(xs):
    class C:
        __await__ = functools.partial(xs.append, "c-await")  # C code with a side effect
    return C()


async def main():
    xs = []
    n = await lib.fetch(xs, 1)
    g = lib.gen_fill(xs)
    first = next(g)
    lib.bump(xs)
    await lib.Awaitable(xs)
    try:
        await c_awaitable(xs)
    except TypeError:
        pass
    total = await asyncio.gather(lib.fetch(xs, 2), lib.fetch(xs, 3))
    print(n, first, xs, total)


asyncio.run(main())
'''


def test_awaits_of_code_left_out(python_exe, reel_env, reel_bin, run_oracle, tmp_path):
    # `await lib.fetch()` with lib left out by --only: calling a coroutine function only makes
    # the coroutine, and GET_AWAITABLE of a coroutine returns it, so neither counts a mutation
    # (Purity.cpp, functionCallPure and kGetAwaitable). What the left-out code does when it runs
    # (the SEND, next(g)), a plain function left out, and an __await__ in Python or in C must
    # still show in the awaiting frame's `xs` at the next event.
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "_await_lib.py").write_text(_AWAIT_LIB)
    prog_dir = tmp_path / "prog"
    prog_dir.mkdir()
    prog = prog_dir / "awaits.py"
    prog.write_text(_AWAIT_PROGRAM)
    trace = tmp_path / "t.reel"
    proc = subprocess.run(
        [python_exe, "-m", "reel", "record", "--only", str(prog_dir), "-o", str(trace), str(prog)],
        cwd=prog_dir, env=reel_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert proc.stdout.decode() == "1 2 [1, 'gen', 'bump', 'await', 'c-await', 2, 3] [6, 7]\n"
    exported = subprocess.run(
        [str(reel_bin), "export", "--states", "--only", str(prog_dir), str(trace)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        timeout=RUN_TIMEOUT)
    assert exported.returncode == 0, exported.stderr.decode(errors="replace")
    oracle_out = tmp_path / "oracle.jsonl"
    run_oracle(prog, oracle_out, only=prog_dir)
    expected = oracle_out.read_text().splitlines()
    actual = exported.stdout.decode().splitlines()
    assert len(expected) > 20
    for i, (e, a) in enumerate(zip(expected, actual)):
        assert e == a, "event %d differs:\n oracle %s\n export %s" % (i + 1, e, a)
    assert len(expected) == len(actual)
