"""Shared fixtures for Reel's Python-side tests.

pytest itself runs under Debian's /usr/bin/python3; the interpreter under test is a separate
CPython (3.11, 3.12 or 3.13) run through subprocesses.  Environment (all optional):
    REEL_TEST_PYTHON  interpreter under test (default: the interpreter running pytest)
    REEL_TEST_PYVER   its "major.minor" (default: asked from REEL_TEST_PYTHON)
    REEL_BUILD_DIR    CMake build directory (default: <source>/build)
    REEL_SOURCE_DIR   repository root (default: two levels above this file)

Fixtures:
    python_exe       str, path of the interpreter under test
    pyver            str, e.g. "3.12"
    source_dir       pathlib.Path, repository root
    build_dir        pathlib.Path
    reel_bin         pathlib.Path, build_dir / "reel"
    reel_env         dict, os.environ + PYTHONPATH=build_dir/python/<pyver>, PYTHONHASHSEED=0
    plain_env        dict, os.environ + PYTHONHASHSEED=0 (PYTHONPATH removed)
    run_plain        run_plain(program, *args) -> (stdout, stderr, returncode): a plain run of
                     `python_exe program args...` in the program's directory
    run_oracle       run_oracle(program, out, *args, only=None) -> (stdout, stderr, returncode):
                     the same run under tests/oracle/reel_oracle.py, JSON Lines written to out
    corpus_programs  sorted list of pathlib.Path: tests/programs/*.py not starting with "_"
    corpus_program   one corpus program; any test taking this argument is parametrized over the
                     whole corpus (test ids are the file stems)
    record           record(source_or_path, *args, extra=(), name="prog") -> (trace, stdout,
                     stderr, returncode): `python -m reel record` of a file, or of source text
                     written to tmp_path/<name>.py
    dump             dump(trace, *flags) -> list of dicts, one per record (`reel dump`)

stdout/stderr are str decoded as UTF-8 with "surrogateescape", so byte-exact comparison holds.
"""

import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("REEL_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2])).resolve()
PROGRAMS_DIR = SOURCE_DIR / "tests" / "programs"
ORACLE = SOURCE_DIR / "tests" / "oracle" / "reel_oracle.py"

# Every program in the corpus must finish well within this; a hang is a bug, not slowness.
RUN_TIMEOUT = 120


def corpus_program_paths():
    """tests/programs/*.py except helper modules (leading underscore), sorted by name."""
    return sorted(p for p in PROGRAMS_DIR.glob("*.py") if not p.name.startswith("_"))


def pytest_generate_tests(metafunc):
    if "corpus_program" in metafunc.fixturenames:
        paths = corpus_program_paths()
        metafunc.parametrize("corpus_program", paths, ids=[p.stem for p in paths])


def _decode(b):
    return b.decode("utf-8", "surrogateescape")


def _run(cmd, cwd, env, timeout=RUN_TIMEOUT):
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return _decode(proc.stdout), _decode(proc.stderr), proc.returncode


@pytest.fixture(scope="session")
def python_exe():
    return os.environ.get("REEL_TEST_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def pyver(python_exe):
    v = os.environ.get("REEL_TEST_PYVER")
    if v:
        return v
    out = subprocess.run([python_exe, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         stdout=subprocess.PIPE, check=True, timeout=RUN_TIMEOUT)
    return out.stdout.decode().strip()


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR


@pytest.fixture(scope="session")
def build_dir(source_dir):
    return pathlib.Path(os.environ.get("REEL_BUILD_DIR", source_dir / "build")).resolve()


@pytest.fixture(scope="session")
def reel_bin(build_dir):
    return build_dir / "reel"


@pytest.fixture(scope="session")
def plain_env():
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["PYTHONHASHSEED"] = "0"
    return env


@pytest.fixture(scope="session")
def reel_env(build_dir, pyver):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(build_dir / "python" / pyver)
    env["PYTHONHASHSEED"] = "0"
    return env


@pytest.fixture(scope="session")
def run_plain(python_exe, plain_env):
    def run(program, *args):
        program = pathlib.Path(program).resolve()
        return _run([python_exe, str(program), *map(str, args)], program.parent, plain_env)
    return run


@pytest.fixture(scope="session")
def run_oracle(python_exe, plain_env):
    def run(program, out, *args, only=None, depth=None):
        program = pathlib.Path(program).resolve()
        cmd = [python_exe, str(ORACLE), "--out", str(out)]
        if only is not None:
            cmd += ["--only", str(only)]
        if depth is not None:
            cmd += ["--depth", str(depth)]
        # The pure-Python reference tracer is the slowest run of a test: 3.12's legacy tracing
        # takes 44 s for stdlib_fidelity's cli_abc_enum.py on an idle 2-core machine, and a CI
        # run of session 31 with builds beside it went past 120 s.
        return _run(cmd + [str(program), *map(str, args)], program.parent, plain_env,
                    timeout=3 * RUN_TIMEOUT)
    return run


@pytest.fixture(scope="session")
def corpus_programs():
    return corpus_program_paths()


@pytest.fixture
def record(python_exe, reel_env, tmp_path):
    """record(source_or_path, *args, extra=[]) -> (trace, stdout, stderr, returncode)."""
    def run(program, *args, extra=(), name="prog"):
        if isinstance(program, str):
            path = tmp_path / (name + ".py")
            path.write_text(textwrap.dedent(program))
        else:
            path = pathlib.Path(program)
        trace = tmp_path / (path.stem + ".reel")
        proc = subprocess.run(
            [python_exe, "-m", "reel", "record", "-o", str(trace), *extra, str(path), *map(str, args)],
            cwd=path.parent, env=reel_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        return trace, _decode(proc.stdout), _decode(proc.stderr), proc.returncode
    return run


@pytest.fixture
def record_env(python_exe, reel_env, tmp_path):
    """record_env(program_path, label, **env) -> (trace, stdout, stderr, returncode): recorded
    with extra environment variables (a hook, a switch); `label` names the trace."""
    def run(program, label, **env):
        trace = tmp_path / ("%s-%s.reel" % (program.stem, label))
        proc = subprocess.run([python_exe, "-m", "reel", "record", "-o", str(trace), str(program)],
                              cwd=program.parent, env=dict(reel_env, **env),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        return trace, _decode(proc.stdout), _decode(proc.stderr), proc.returncode
    return run


@pytest.fixture
def export_states(reel_bin):
    """export_states(trace, only=PROGRAMS_DIR) -> `reel export --states --only ONLY` as text."""
    def run(trace, only=PROGRAMS_DIR):
        proc = subprocess.run([str(reel_bin), "export", "--states", "--only", str(only), str(trace)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        assert proc.returncode == 0, _decode(proc.stderr)
        return proc.stdout.decode("utf-8", "surrogatepass")
    return run


@pytest.fixture
def dump(reel_bin):
    """dump(trace, *flags) -> list of dicts, one per record (`reel dump`)."""
    def run(trace, *flags):
        proc = subprocess.run([str(reel_bin), "dump", *flags, str(trace)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        assert proc.returncode == 0, _decode(proc.stderr)
        return [json.loads(line) for line in proc.stdout.decode().splitlines()]
    return run


@pytest.fixture
def info(reel_bin):
    """info(trace) -> `reel info --json` as a dict."""
    def run(trace):
        proc = subprocess.run([str(reel_bin), "info", "--json", str(trace)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        assert proc.returncode == 0, _decode(proc.stderr)
        return json.loads(proc.stdout)
    return run
