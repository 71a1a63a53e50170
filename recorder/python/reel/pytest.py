"""pytest plugin: records each test (its setup, call and teardown, so fixtures are in it) into its
own .reel trace, and keeps the traces of the tests that failed.

    python -m pytest -p reel.pytest [--reel-dir DIR] [--reel-keep failed|all] ...
    reel pytest [pytest args]          (the same, with `import reel` made to work)

Options:
    --reel-dir DIR          where the traces go (default: reel-traces, relative to the directory
                            pytest was started in); one file per test, named after its node id
    --reel-keep failed|all  failed (default): keep only the traces of tests that failed (in setup,
                            call or teardown, including an XPASS(strict)); all: keep every trace
    --reel-only PATH        record only code under PATH (repeatable; directories or globs)
    --reel-exclude PATH     do not record code under PATH (repeatable)
    --reel-stdlib           also record the standard library (off by default, see below)
    --no-reel               load the plugin but record nothing

What is recorded: the test's own files and every library they call, but not pytest's machinery:
the code of pytest, _pytest, pluggy and their helper packages is excluded, and so is the standard
library by default (with code named "<string>" that it generates with exec, e.g. namedtuple and
dataclass methods), because between the phases pytest itself runs a lot of stdlib code (failure
reports read the source through inspect/tokenize, warnings and logging capture) that would bury
the test's events. Library code the tests call (site-packages, the project) is recorded. Pass
--reel-stdlib to step into the standard library too.

Reporting: the failure's report gets a "reel trace" section naming its trace, and a "reel
traces" summary section lists the kept traces at the end. When every test passes and only the
traces of failed tests are kept, the plugin prints nothing at all.
"""

import hashlib
import os
import re
import sys
import sysconfig

import pytest

import reel
from reel import _output

KEEP_CHOICES = ("failed", "all")
DEFAULT_DIR = "reel-traces"

# Packages that make up pytest's machinery (those imported are excluded from recording). Libraries
# pytest merely uses (attrs, packaging, tomli, ...) stay recorded: the tests may call them too, and
# pytest runs them at start-up, not between tests (attrs' generated methods are excluded by name).
MACHINERY = ("pytest", "_pytest", "pluggy", "py", "_py", "iniconfig", "xdist", "execnet")


def pytest_addoption(parser):
    group = parser.getgroup("reel", "Reel: record each test into a .reel trace")
    group.addoption("--reel-dir", dest="reel_dir", default=None, metavar="DIR",
                    help="directory for the traces (default: %s)" % DEFAULT_DIR)
    group.addoption("--reel-keep", dest="reel_keep", default="failed", choices=KEEP_CHOICES,
                    help="failed: keep the traces of failed tests only (default); all: keep all")
    group.addoption("--reel-only", dest="reel_only", action="append", default=[],
                    metavar="PATH", help="record only code under PATH (repeatable)")
    group.addoption("--reel-exclude", dest="reel_exclude", action="append", default=[],
                    metavar="PATH", help="do not record code under PATH (repeatable)")
    group.addoption("--reel-stdlib", dest="reel_stdlib", action="store_true", default=False,
                    help="also record the standard library")
    group.addoption("--no-reel", dest="no_reel", action="store_true", default=False,
                    help="record nothing")


def pytest_configure(config):
    reel._restore_environment()
    if config.getoption("no_reel"):
        return
    # Under pytest-xdist the controller runs no tests; its workers load the plugin themselves.
    if getattr(config.option, "dist", "no") not in (None, "no") and \
            not hasattr(config, "workerinput"):
        return
    config.pluginmanager.register(ReelPlugin(config), "reel-recorder")
    _output.install_os_write()  # records writes to fd 1/2 while a test is recorded


def trace_name(nodeid):
    """A file name for a test id: readable, one path component, at most ~120 characters.
    "tests/test_a.py::TestX::test_y[1-a/b]" -> "tests_test_a.py__TestX__test_y[1-a_b]"."""
    name = nodeid.replace("::", "__")
    name = re.sub(r"[^A-Za-z0-9._\-\[\]=+,]", "_", name).strip("._") or "test"
    if len(name) > 120:
        digest = hashlib.sha1(nodeid.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        name = name[:109] + "-" + digest
    return name


def _machinery_dirs():
    dirs = []
    for name in MACHINERY:
        mod = sys.modules.get(name)
        f = getattr(mod, "__file__", None)
        if not f:
            continue
        f = os.path.abspath(f)
        dirs.append(os.path.dirname(f) if os.path.basename(f) == "__init__.py" else f)
    return dirs


def _stdlib_patterns():
    """The standard library's files and packages, one pattern each, leaving site-packages (where
    the libraries the tests call live) recorded. The recorder's globs let * cross "/", so the
    stdlib directory itself cannot be one pattern."""
    # os, posixpath, codecs... are frozen modules, named "<frozen os>"; "<string>" is code the
    # stdlib generates with exec (namedtuple's __new__, dataclass methods on 3.11), which
    # pytest's failure reports run a lot of.
    out = ["<frozen *>", "<string>"]
    roots = {sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib")}
    for root in sorted(r for r in roots if r and os.path.isdir(r)):
        for entry in sorted(os.listdir(root)):
            if entry in ("site-packages", "dist-packages"):
                continue
            out.append(os.path.join(root, entry))
    return out


class _Current:
    """The test being recorded."""

    def __init__(self, nodeid, path):
        self.nodeid = nodeid
        self.path = path
        self.failed = False
        self.exc_name = ""


class ReelPlugin:
    def __init__(self, config):
        base = self.base = str(config.invocation_params.dir)
        self.dir = os.path.abspath(os.path.join(base, config.getoption("reel_dir") or DEFAULT_DIR))
        self.keep = config.getoption("reel_keep")
        self.only = [os.path.abspath(os.path.join(base, p)) for p in config.getoption("reel_only")]
        self.exclude = [os.path.abspath(os.path.join(base, p))
                        for p in config.getoption("reel_exclude")]
        self.stdlib = config.getoption("reel_stdlib")
        self.current = None
        self.kept = []          # (nodeid, path, failed)
        self.used_names = set()
        self.problem = None     # why recording is off, shown once in the summary
        self.created_dir = False
        self._filters = None

    def filters(self):
        if self._filters is None:
            # attrs writes the __init__ of pytest's report classes at run time, under this name.
            exclude = _machinery_dirs() + ["<attrs generated * _pytest.*>"] + self.exclude
            if not self.stdlib:
                exclude += _stdlib_patterns()
            self._filters = (list(self.only), exclude)
        return self._filters

    def path_for(self, nodeid):
        name = trace_name(nodeid)
        if name in self.used_names:  # two ids sanitized alike (e.g. parameters "a/b" and "a_b")
            name += "-" + hashlib.sha1(nodeid.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        self.used_names.add(name)
        return os.path.join(self.dir, name + ".reel")

    # --- one trace per test: from before setup until after teardown ---------------------------

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_protocol(self, item, nextitem):
        # trylast: the innermost wrapper, so other plugins' set-up (warnings, timeouts) is not
        # recorded; inside are only the runner and the three phases.
        cur = None
        if self.problem is None and not reel.is_recording():
            path = self.path_for(item.nodeid)
            try:
                if not os.path.isdir(self.dir):
                    os.makedirs(self.dir)
                    self.created_dir = True
                only, exclude = self.filters()
                reel.start(path, only=only, exclude=exclude, output=False,
                           _trace_running=False)  # output: per phase, see _phase
                cur = _Current(item.nodeid, path)
            except (OSError, ValueError, RuntimeError) as e:
                self.problem = "reel: recording is off: %s" % e
        self.current = cur
        try:
            outcome = yield
            if cur is not None and outcome.excinfo is not None and not cur.failed:
                # Interrupted (Ctrl-C, pytest.exit, an internal error): keep what was recorded.
                cur.failed = True
                cur.exc_name = outcome.excinfo[0].__qualname__
        finally:
            self.current = None
            if cur is not None:
                self.finish(cur)

    def finish(self, cur):
        try:
            if cur.failed:
                closed = reel.stop(reel.EXIT_UNCAUGHT, 1, "test failed: " + (cur.exc_name or "error"))
            else:
                closed = reel.stop(reel.EXIT_STOPPED, 0, "test passed")
        except Exception as e:
            self.problem = "reel: could not close %s: %s" % (cur.path, e)
            return
        if not closed:  # a forked child running pytest's hooks: the file is the parent's
            return
        if cur.failed or self.keep == "all":
            self.kept.append((cur.nodeid, cur.path, cur.failed))
        else:
            reel._discard(cur.path)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        cur = self.current
        if cur is None or cur.nodeid != item.nodeid:
            return
        rep = outcome.get_result()
        if rep.failed:
            if not cur.failed:
                if call.excinfo is not None:
                    cur.exc_name = call.excinfo.type.__qualname__
                elif str(rep.longrepr).startswith("[XPASS(strict)]"):
                    # Nothing was raised: the test passed where it was expected to fail.
                    cur.exc_name = "XPASS(strict)"
            cur.failed = True
            rep.sections.append(("reel trace", cur.path))

    # --- output: the phases' stdout/stderr writes become OUTPUT records ------------------------

    def _phase(self):
        if self.current is None:
            yield
            return
        saved = (sys.stdout, sys.stderr)
        # Inside pytest's own capture (trylast), so the stand-ins forward to its capture files.
        sys.stdout = _output.wrap(sys.stdout, 1)
        sys.stderr = _output.wrap(sys.stderr, 2)
        mine = (sys.stdout, sys.stderr)
        try:
            yield
        finally:
            # Put back what we replaced, unless the test or a fixture (capsys) replaced it since.
            if sys.stdout is mine[0]:
                sys.stdout = saved[0]
            if sys.stderr is mine[1]:
                sys.stderr = saved[1]

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_setup(self, item):
        yield from self._phase()

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_call(self, item):
        yield from self._phase()

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_teardown(self, item, nextitem):
        yield from self._phase()

    # --- the report ---------------------------------------------------------------------------

    def pytest_sessionfinish(self, session):
        # Every test passed: leave no empty trace directory behind either.
        if self.created_dir:
            try:
                os.rmdir(self.dir)
            except OSError:
                pass  # not empty

    def pytest_terminal_summary(self, terminalreporter):
        tr = terminalreporter
        failed = [(n, p) for n, p, f in self.kept if f]
        passed = [(n, p) for n, p, f in self.kept if not f]
        if not failed and not passed and self.problem is None:
            return  # nothing failed: no output at all
        tr.write_sep("=", "reel traces")
        for nodeid, path in failed:
            shown = os.path.relpath(path, self.base) if _under(path, self.base) else path
            tr.write_line("%s: %s" % (nodeid, shown))
        if passed:
            tr.write_line("%d trace%s of passed tests kept in %s"
                          % (len(passed), "" if len(passed) == 1 else "s", self.dir))
        if failed:
            tr.write_line("open one with: reel replay FILE   (or: reel gui FILE)")
        if self.problem is not None:
            tr.write_line(self.problem, red=True)


def _under(path, base):
    return os.path.abspath(path).startswith(os.path.abspath(base) + os.sep)
