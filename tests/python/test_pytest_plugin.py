"""The pytest plugin (reel/pytest.py, issue 6), run with the interpreter under test on a small real
suite (tests/pytest_suite: passing and failing tests, fixtures with teardown, a failing fixture,
parametrized tests, pytest.raises), through `python -m pytest -p reel.pytest` and `reel pytest`.

pytest comes from Debian's python3-pytest, installed for /usr/bin/python3 only; it is pure Python,
so the pyenv interpreters import it through PYTHONPATH=/usr/lib/python3/dist-packages when they
have no pytest of their own. The tests are skipped where neither works."""

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import RUN_TIMEOUT, SOURCE_DIR

SUITE = SOURCE_DIR / "tests" / "pytest_suite"
DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"

FAILED = {
    "test_shop.py::test_average": "test_shop.py__test_average.reel",
    "test_shop.py::test_parse_price[abc EUR-None]": "test_shop.py__test_parse_price[abc_EUR-None].reel",
    "test_shop.py::test_divide_raises_wrong_exception":
        "test_shop.py__test_divide_raises_wrong_exception.reel",
    "test_shop.py::test_uses_broken_fixture": "test_shop.py__test_uses_broken_fixture.reel",
}
ALL_TESTS_IN_SHOP = 9


def _decode(b):
    return b.decode("utf-8", "surrogateescape")


@pytest.fixture(scope="session")
def pytest_pythonpath(python_exe, reel_env):
    """Extra PYTHONPATH entries the interpreter under test needs to import pytest ("" or the
    Debian dist-packages directory)."""
    for extra in ("", DEBIAN_DIST_PACKAGES):
        env = dict(reel_env)
        if extra:
            env["PYTHONPATH"] = env["PYTHONPATH"] + os.pathsep + extra
        proc = subprocess.run([python_exe, "-c", "import pytest, reel"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        if proc.returncode == 0:
            return extra
    pytest.skip("pytest is not importable by %s" % python_exe)


@pytest.fixture
def suite(tmp_path):
    dest = tmp_path / "suite"
    shutil.copytree(SUITE, dest)
    return dest


@pytest.fixture
def run_pytest(python_exe, reel_env, pytest_pythonpath):
    """run_pytest(suite_dir, *args, plugin=True) -> (stdout, stderr, returncode)."""
    def run(cwd, *args, plugin=True):
        env = dict(reel_env, REEL_PYTEST_SUITE="1")
        if pytest_pythonpath:
            env["PYTHONPATH"] = env["PYTHONPATH"] + os.pathsep + pytest_pythonpath
        cmd = [python_exe, "-m", "pytest", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning"]
        if plugin:
            cmd += ["-p", "reel.pytest"]
        proc = subprocess.run(cmd + list(args), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        return _decode(proc.stdout), _decode(proc.stderr), proc.returncode
    return run


@pytest.fixture
def reel_json(reel_bin):
    def run(*args):
        proc = subprocess.run([str(reel_bin), *map(str, args)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        assert proc.returncode == 0, _decode(proc.stderr)
        text = _decode(proc.stdout)
        if args[0] in ("dump",) or "--states" in args:
            return [json.loads(line) for line in text.splitlines()]
        return json.loads(text)
    return run


def test_failed_tests_keep_their_traces(suite, run_pytest):
    out, err, rc = run_pytest(suite, "-q", "--reel-dir", "traces")
    assert rc == 1, out + err
    kept = sorted(p.name for p in (suite / "traces").iterdir())
    assert kept == sorted(FAILED.values()), "only failed tests (and the setup error) keep traces"
    # The summary names every kept trace, relative to where pytest ran.
    summary = out[out.index("reel traces"):]
    for nodeid, name in FAILED.items():
        assert "%s: traces/%s" % (nodeid, name) in summary
    # Each failure's report has a "reel trace" section with the absolute path.
    assert out.count("- reel trace -") == len(FAILED)
    assert str(suite / "traces" / FAILED["test_shop.py::test_average"]) in out
    assert "3 failed, 11 passed, 1 error" in out


def test_failing_test_trace_has_its_frames_and_exception(suite, run_pytest, reel_json, reel_bin):
    run_pytest(suite, "-q", "--reel-dir", "traces")
    trace = suite / "traces" / FAILED["test_shop.py::test_average"]
    info = reel_json("info", "--json", trace)
    assert info["state"] == "complete"
    assert info["exit"] == {"kind": "uncaught exception", "status": 1,
                            "message": "test failed: AssertionError"}
    ev = reel_json("export", "--states", trace)
    order = [(e["ev"], e["fn"]) for e in ev if e["ev"] != "opcode"]
    # Fixture setup, the test calling the library, the assertion failing, fixture teardown.
    assert order == [
        ("call", "numbers"), ("return", "numbers"),
        ("call", "test_average"), ("call", "average"), ("return", "average"),
        ("exception", "test_average"), ("return", "test_average"),
        ("call", "numbers"), ("return", "numbers"),
    ]
    exc = [e for e in ev if e["ev"] == "exception"][0]
    assert exc["exc"].startswith("AssertionError(")
    locals_at_fail = [e for e in ev if e["fn"] == "test_average" and e["ev"] == "opcode"][-1]["locals"]
    assert locals_at_fail["result"] == "2.0"
    # `reel info` names the first few excluded paths (the standard library's 200-odd entries
    # made one line of several kilobytes) and says how to list them all.
    excluded = info["capture"]["exclude"]
    assert len(excluded) > 6
    text = subprocess.run([str(reel_bin), "info", str(trace)], stdout=subprocess.PIPE,
                          timeout=RUN_TIMEOUT).stdout.decode()
    line = [l for l in text.splitlines() if l.startswith("capture:")][0]
    assert ",".join(excluded[:6]) in line and excluded[6] not in line
    assert line.endswith(",... (%d more: reel info --json)" % (len(excluded) - 6))
    # Nothing of pytest's machinery: every recorded code object is the suite's.
    files = {r["filename"] for r in reel_json("dump", "--defs", trace) if "instructions" in r}
    assert files <= {str(suite / "conftest.py"), str(suite / "test_shop.py"), str(suite / "shop.py")}
    # The test's print() is in the trace at the point it ran (pytest still captured it).
    outputs = [(r.get("fn"), r["text"]) for r in reel_json("dump", trace) if r.get("kind") == "output"]
    assert "".join(t for _, t in outputs) == "averaging [1, 2, 3, 4]\n"
    assert {fn for fn, _ in outputs} == {"test_average"}


@pytest.mark.parametrize("nodeid, fn, exc_type", [
    ("test_shop.py::test_parse_price[abc EUR-None]", "parse_price", "ValueError"),
    ("test_shop.py::test_divide_raises_wrong_exception", "divide", "ZeroDivisionError"),
    ("test_shop.py::test_uses_broken_fixture", "broken_resource", "ConnectionError"),
])
def test_other_failures_recorded(suite, run_pytest, reel_json, nodeid, fn, exc_type):
    run_pytest(suite, "-q", "--reel-dir", "traces")
    trace = suite / "traces" / FAILED[nodeid]
    assert reel_json("info", "--json", trace)["exit"]["message"] == "test failed: " + exc_type
    ev = reel_json("export", "--states", trace)
    raised = [e for e in ev if e["ev"] == "exception"]
    assert raised and raised[0]["fn"] == fn and raised[0]["exc"].startswith(exc_type + "(")


def test_keep_all_keeps_every_test(suite, run_pytest, reel_json):
    out, err, rc = run_pytest(suite, "-q", "--reel-dir", str(suite / "all"), "--reel-keep", "all",
                              "test_shop.py")
    assert rc == 1
    kept = sorted(p.name for p in (suite / "all").iterdir())
    assert len(kept) == ALL_TESTS_IN_SHOP
    assert "test_shop.py__TestGroup__test_method_passes.reel" in kept
    assert "test_shop.py__test_parse_price[3.50_USD-expected0].reel" in kept
    assert "5 traces of passed tests kept in %s" % (suite / "all") in out
    # pytest.raises that caught its exception: the raise in divide() and the test returning.
    ev = reel_json("export", "--states", suite / "all" / "test_shop.py__test_divide_by_zero_raises.reel")
    assert [e["fn"] for e in ev if e["ev"] == "exception"][:1] == ["divide"]
    assert ev[-1]["ev"] == "return" and ev[-1]["fn"] == "test_divide_by_zero_raises"
    info = reel_json("info", "--json", suite / "all" / "test_shop.py__test_total_is_ten.reel")
    assert info["exit"]["message"] == "test passed"


def test_no_output_and_no_traces_when_all_pass(suite, run_pytest):
    with_plugin = run_pytest(suite, "test_all_pass.py", "-v")
    without = run_pytest(suite, "test_all_pass.py", "-v", plugin=False)
    timing = re.compile(r" in \d+\.\d+s")
    assert with_plugin[2] == without[2] == 0
    assert timing.sub("", with_plugin[0]) == timing.sub("", without[0])
    assert with_plugin[1] == without[1]
    assert not (suite / "reel-traces").exists(), "default directory not left behind empty"


def test_reel_pytest_wrapper(suite, reel_bin, python_exe, pytest_pythonpath):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["REEL_PYTEST_SUITE"] = "1"
    if pytest_pythonpath:
        env["PYTHONPATH"] = pytest_pythonpath
    # The tests see the PYTHONPATH the user had, not the one `reel pytest` added for the plugin.
    env["REEL_SUITE_EXPECT_PYTHONPATH"] = pytest_pythonpath
    proc = subprocess.run([str(reel_bin), "pytest", "--python", python_exe, "-q", "-p",
                           "no:cacheprovider", "-W", "ignore::DeprecationWarning"],
                          cwd=suite, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=RUN_TIMEOUT)
    out = _decode(proc.stdout)
    assert proc.returncode == 1, out + _decode(proc.stderr)
    assert "test_all_pass.py::test_environment_is_the_users" not in out
    assert "6 passed" in _decode(subprocess.run(
        [str(reel_bin), "pytest", "--python", python_exe, "-q", "-p", "no:cacheprovider",
         "-W", "ignore::DeprecationWarning", "test_all_pass.py"], cwd=suite, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT).stdout)
    kept = sorted(p.name for p in (suite / "reel-traces").iterdir())
    assert kept == sorted(FAILED.values())


def test_no_reel_option_records_nothing(suite, run_pytest):
    out, err, rc = run_pytest(suite, "-q", "--no-reel", "test_shop.py")
    assert rc == 1 and "reel traces" not in out and "- reel trace -" not in out
    assert not (suite / "reel-traces").exists()


def test_trace_names(python_exe, reel_env, pytest_pythonpath):
    env = dict(reel_env)
    if pytest_pythonpath:
        env["PYTHONPATH"] = env["PYTHONPATH"] + os.pathsep + pytest_pythonpath
    code = (
        "import json, reel.pytest as p\n"
        "ids = ['tests/a.py::TestX::test_y[1-a/b]', 'a.py::t[\\u00e9 x]', 'a.py::t[' + 'x' * 300 + ']',\n"
        "       'a.py::t[' + 'x' * 300 + 'y]', '../up.py::t']\n"
        "print(json.dumps([p.trace_name(i) for i in ids]))\n")
    proc = subprocess.run([python_exe, "-c", code], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    names = json.loads(proc.stdout)
    assert names[0] == "tests_a.py__TestX__test_y[1-a_b]"
    assert names[1] == "a.py__t[__x]"
    assert len(names[2]) == len(names[3]) == 120 and names[2] != names[3]  # cut, hash differs
    assert names[4] == "up.py__t"
    assert all("/" not in n and not n.startswith(".") for n in names)


def test_output_recorded_inside_pytest_capture(suite, run_pytest, reel_json):
    # print, sys.stderr, sys.stdout.buffer and os.write in a test: pytest's capsys/capfd still see
    # them (the tests pass) and the trace has them as output at the test's frame.
    out, err, rc = run_pytest(suite, "-q", "--reel-keep", "all", "test_all_pass.py")
    assert rc == 0, out + err
    traces = suite / "reel-traces"

    def outputs(name):
        return [(r["fn"], r["stream"], r["text"]) for r in reel_json("dump", traces / name)
                if r.get("kind") == "output"]
    got = outputs("test_all_pass.py__test_capsys_sees_what_the_test_prints.reel")
    fn = "test_capsys_sees_what_the_test_prints"
    assert "".join(t for _, s, t in got if s == 1) == "hello\n"
    assert [(f, s, t) for f, s, t in got if s == 2] == [(fn, 2, "warn\n")]
    assert outputs("test_all_pass.py__test_capfd_sees_raw_fd_writes.reel") == [
        ("test_capfd_sees_raw_fd_writes", 1, "raw\n"), ("test_capfd_sees_raw_fd_writes", 1, "bytes\n")]


def test_reel_pytest_finds_an_interpreter_with_pytest(tmp_path, reel_bin):
    # Without --python, `reel pytest` must not pick an interpreter that lacks pytest (pyenv's have
    # none here, Debian's python3 has python3-pytest): it runs the tests, or says what to do.
    (tmp_path / "test_one.py").write_text("def test_bad():\n    x = 41\n    assert x == 42\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(reel_bin), "pytest", "-q", "-p", "no:cacheprovider",
                           "--reel-dir", "traces"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    if proc.returncode == 2 and b"can import pytest" in proc.stderr:
        pytest.skip("no interpreter with pytest on this machine")
    out = _decode(proc.stdout)
    assert proc.returncode == 1, out + _decode(proc.stderr)
    assert "1 failed" in out
    assert [p.name for p in (tmp_path / "traces").iterdir()] == ["test_one.py__test_bad.reel"]


def test_strict_xpass_trace_says_so(tmp_path, run_pytest, reel_json):
    """A strict xfail test that passes fails without raising anything: its trace's exit message
    says XPASS(strict), not a made-up exception type."""
    (tmp_path / "test_x.py").write_text("import pytest\n"
                                        "\n"
                                        "@pytest.mark.xfail(strict=True)\n"
                                        "def test_passes_unexpectedly():\n"
                                        "    assert 1 + 1 == 2\n")
    out, err, rc = run_pytest(tmp_path, "-q", "--reel-dir", "traces")
    assert rc == 1, out + err
    trace = tmp_path / "traces" / "test_x.py__test_passes_unexpectedly.reel"
    assert reel_json("info", "--json", trace)["exit"]["message"] == "test failed: XPASS(strict)"
