"""Reel: record a Python program's execution into a .reel trace (recorder side).

    import reel
    with reel.record("run.reel"):
        work()

    reel.start("run.reel"); ...; reel.stop()

    reel.record_from_here("tail.reel")   # from here to the end of the program

`python -m reel record script.py` records a whole program (see reel/__main__.py); `-p reel.pytest`
records each pytest test (see reel/pytest.py).
"""

import os as _os
import sys as _sys

try:
    from . import _reel
except ImportError as _e:
    import glob as _glob
    _built = sorted(_os.path.basename(p) for p in
                    _glob.glob(_os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "_reel.*")))
    raise ImportError(
        "reel: no recorder for Python %d.%d in %s (built: %s; supported: CPython 3.11-3.13): %s"
        % (_sys.version_info[0], _sys.version_info[1], _os.path.dirname(_os.path.abspath(__file__)),
           ", ".join(_built) or "nothing", _e)) from None
from . import _opcodes
from . import _asyncgen

# A forked child does not continue the parent's recording (see _reel._after_fork_child). The
# writer threads end before fork() and start again with the parent's next batch: CPython 3.12+
# warns when a process with more than one thread forks, which the program alone would not.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(before=_reel._before_fork, after_in_child=_reel._after_fork_child)

__all__ = ["start", "stop", "record", "record_from_here", "is_recording", "flush"]

_REEL_DIR = _os.path.dirname(_os.path.abspath(__file__))

# The smallest and largest value of each capture limit (start(), `reel record --max-depth` ...).
# The smallest are the export contract's; the largest keep the recorder's memory sane (the
# capture keeps per-level buffers: about 1 KiB per level of depth) and below the C side's 32 bits.
CAPTURE_LIMITS = {"max_depth": (3, 1000), "max_items": (16, 1_000_000),
                  "max_str": (64, 10_000_000), "origin_depth": (0, 1000)}

# ExitKind values of the trace footer (format/include/reel/format/TraceWriter.h).
EXIT_UNKNOWN, EXIT_EXITED, EXIT_UNCAUGHT, EXIT_SIGNAL, EXIT_STOPPED = range(5)


# The smallest `last` accepted (replayer/include/reel/replayer/FlightWriter.h, kMinFlightEvents).
MIN_LAST_EVENTS = 1000
_COUNT_SUFFIXES = {"k": 10 ** 3, "K": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9}


def parse_count(value, name="last"):
    """An event count: an int, or a str of digits with an optional k/M/G suffix ("50M", "2k").
    Raises ValueError naming `name` when it is not one, or is below MIN_LAST_EVENTS."""
    if isinstance(value, bool):
        raise ValueError("reel: %s takes a number of events, not %r" % (name, value))
    if isinstance(value, int):
        n = value
    else:
        text = str(value).strip()
        mult = _COUNT_SUFFIXES.get(text[-1:], 1)
        digits = text[:-1] if mult != 1 else text
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 12:
            raise ValueError("reel: %s takes a number of events, e.g. 5000, 200k, 50M: %r"
                             % (name, value))
        n = int(digits) * mult
    if n < MIN_LAST_EVENTS:
        raise ValueError("reel: %s must keep at least %d events, not %d"
                         % (name, MIN_LAST_EVENTS, n))
    return n


def _abs_patterns(patterns):
    out = []
    for p in patterns or ():
        p = _os.path.expanduser(str(p))
        # "<frozen *>", "<string>": code without a file is named like this; not a relative path.
        out.append(p if _os.path.isabs(p) or p.startswith("<") else _os.path.abspath(p))
    return out


def start(path, *, only=(), exclude=(), max_depth=4, max_items=64, max_str=256, origin_depth=0,
          argv=None, durable=False, hook=None, redact=None, no_values=False, output=True,
          last=None, _trace_running=True, _keep="always", _on_process_end=None,
          _collect=False):
    """Starts recording every thread into `path` (written as path + ".partial" until stop()).

    redact: a regular expression (ECMAScript syntax, searched case-insensitively) matched against
    names of locals, attributes and str dict keys; their values are recorded as <redacted>.
    no_values: record control flow and the type of each value only.

    last: flight recorder. Keep only the last `last` events (an int, or a str such as "50M"),
    so disk and memory stay bounded however long the run; the trace starts from a full-state
    checkpoint. While recording, the data is in path + ".flight<k>" generation files; stop()
    writes `path` and removes them (see docs/guide.md).

    hook: "auto" (sys.monitoring on 3.12+, legacy tracing on 3.11), "monitoring" or "settrace";
    None means $REEL_HOOK, else "auto". The trace is the same whichever hook records it.

    output: also record what the program writes to sys.stdout/sys.stderr (their .buffer) and
    with os.write to fd 1/2, at the event that writes it (reel/_output.py). The streams are
    replaced by forwarding stand-ins; stop() puts the originals back unless the program
    replaced them meanwhile.

    os._exit, os.execv and os.execve (through which every os.exec* goes) end the process without
    atexit; while recording they close the trace first (_ProcessEnd), so the run up to them is
    kept whole. stop() puts them back, unless the program replaced them meanwhile."""
    if max_depth < 3 or max_items < 16 or max_str < 64:
        raise ValueError("reel: capture limits below the export contract (3, 16, 64)")
    for key, value in (("max_depth", max_depth), ("max_items", max_items), ("max_str", max_str),
                       ("origin_depth", origin_depth)):
        if value > CAPTURE_LIMITS[key][1]:
            raise ValueError("reel: %s must be at most %d, not %d"
                             % (key, CAPTURE_LIMITS[key][1], value))
    last = 0 if last is None else parse_count(last)
    # Before the hook goes in, so threading's own frames here are not recorded. Threads started
    # from now on install the C hook on their first call.
    _set_thread_hook(_reel._thread_trace)
    try:
        _start(path, only, exclude, max_depth, max_items, max_str, origin_depth, argv, durable,
               _trace_running, hook, redact, no_values, last, _collect)
    except BaseException:
        _set_thread_hook(None)
        raise
    _asyncgen.install()
    global _output_installed, _settrace_tap, _process_end
    if _process_end is None:
        _process_end = _ProcessEnd(_on_process_end or _closer(_os.path.abspath(_os.fspath(path)),
                                                                _keep))
    if _reel._legacy_hook() and _settrace_tap is None:
        # sys.settrace(None) from code that saved sys.gettrace() (None: the hook is in C) would
        # remove the recorder's hook; the tap ignores it while the hook is the thread's tracer.
        _settrace_tap = (_sys.settrace, _reel._make_settrace(_sys.settrace))
        _sys.settrace = _settrace_tap[1]
    if output:
        from . import _output
        _output_installed = _output.install()


_settrace_tap = None  # (real sys.settrace, the tap) while the legacy hook records


def _set_thread_hook(entry):
    """threading.settrace(entry), without importing threading: a recorded run must not have
    modules a plain one lacks. When the program has not imported it yet, the recorder sets the
    hook when it first sees Thread.start (recorder/src/ThreadingHook.h)."""
    threading = _sys.modules.get("threading")
    if threading is not None:
        threading.settrace(entry)
    _reel._arm_threading_hook(None if threading is not None else entry)


def _start(path, only, exclude, max_depth, max_items, max_str, origin_depth, argv, durable,
           trace_running, hook=None, redact=None, no_values=False, last=0, collect=False):
    _reel.start(
        _os.fspath(path), _opcodes.table(),
        only=_abs_patterns(only), exclude=_abs_patterns(exclude), reel_dir=_REEL_DIR,
        max_depth=int(max_depth), max_items=int(max_items), max_str=int(max_str),
        origin_depth=int(origin_depth), argv=list(_sys.argv if argv is None else argv),
        cwd=_os.getcwd(), executable=_sys.executable or "",
        trace_running=bool(trace_running),
        durable=bool(durable), hook=hook, redact=str(redact) if redact else None,
        no_values=bool(no_values), last=int(last), collect=bool(collect))


def stop(kind=EXIT_STOPPED, status=0, message=""):
    """Stops recording and closes the trace. Returns False when nothing was recording."""
    global _output_installed
    stopped = _reel.stop(kind=kind, status=status, message=message)
    _set_thread_hook(None)
    _asyncgen.uninstall()
    global _settrace_tap
    if _settrace_tap is not None:
        if _sys.settrace is _settrace_tap[1]:  # unless the program replaced it meanwhile
            _sys.settrace = _settrace_tap[0]
        _settrace_tap = None
    if _output_installed:
        from . import _output
        _output.uninstall(_output_installed)
        _output_installed = None
    global _process_end
    if _process_end is not None:
        _process_end.uninstall()
        _process_end = None
    return stopped


class _ProcessEnd:
    """os._exit skips atexit, and os.execv/os.execve (which every other os.exec* calls) replace
    the process image: what the recorder still buffers would go with them, leaving a .partial
    with the last handed-over batch. While a recording runs they are wrapped to call
    `on_end(kind, status, message)` first, which closes the trace: os._exit as exit kind
    "exited" with its status and the message "os._exit"; an exec as "stopped", the message
    naming the call and the new program. A path that cannot be executed is left to fail as it
    would, recorded (os.execvp tries each directory of PATH that way); an exec that fails anyway
    leaves the rest of the run unrecorded. A forked child does not record, so its calls go
    straight through."""

    def __init__(self, on_end):
        self._wrapped = []  # (name, real, wrapper)
        for name, wrap in (("_exit", self._wrap_exit), ("execv", self._wrap_exec),
                           ("execve", self._wrap_exec)):
            real = getattr(_os, name, None)
            if real is None:
                continue
            wrapper = wrap(real, on_end)
            wrapper.__doc__ = real.__doc__
            wrapper.__name__ = real.__name__
            self._wrapped.append((name, real, wrapper))
            setattr(_os, name, wrapper)

    def uninstall(self):
        for name, real, wrapper in self._wrapped:
            if getattr(_os, name, None) is wrapper:  # unless the program replaced it meanwhile
                setattr(_os, name, real)
        self._wrapped = []

    @staticmethod
    def _wrap_exit(real, on_end):
        def _exit(status):
            if type(status) is int and is_recording():
                on_end(EXIT_EXITED, status, "os._exit")
            real(status)
        return _exit

    @staticmethod
    def _wrap_exec(real, on_end):
        def exec_(path, *args, **kwargs):
            if is_recording():
                if not isinstance(path, (str, bytes, int)):
                    try:
                        path = _os.fspath(path)  # once, as the real call would
                    except TypeError:
                        return real(path, *args, **kwargs)
                if isinstance(path, int) or (_os.access(path, _os.X_OK)
                                             and not _os.path.isdir(path)):
                    on_end(EXIT_STOPPED, 0, "os.%s replaced the process by %s" % (
                        real.__name__, path if isinstance(path, int) else _os.fsdecode(path)))
            return real(path, *args, **kwargs)
        return exec_


def _stop_and_keep(path, keep, kind, status, message):
    """Closes the trace with how the run ended, then applies keep: with "failure" a run that
    exited with status 0 leaves no trace behind (and says nothing, so a recorded run still
    prints exactly what a plain one does). An error closing is reported, never raised: the
    process is ending as the program asked, whatever happens to the trace."""
    closed = False
    try:
        # False in a forked child (it does not record): it must not touch the parent's file.
        closed = stop(kind, status, message)
    except Exception as e:
        _sys.stderr.write("reel: could not close the trace: %s\n" % e)
    if closed and keep == "failure" and kind == EXIT_EXITED and status == 0:
        _discard(path)


def _closer(path, keep):
    """The API's on_end for _ProcessEnd (an exec is kept: the run did not end there)."""
    return lambda kind, status, message: _stop_and_keep(path, keep, kind, status, message)


_process_end = None  # the _ProcessEnd of the running recording


_output_installed = None  # what start() replaced, for stop() to put back


def _environment_with_path(directory):
    """A copy of os.environ with PYTHONPATH prefixed by `directory`, keeping the original value
    for _restore_environment (as cli/RecordCommand.cpp does for `reel record`)."""
    env = dict(_os.environ)
    old = env.get("PYTHONPATH")
    if old is None:
        env["REEL_PYTHONPATH_UNSET"] = "1"
    else:
        env["REEL_SAVED_PYTHONPATH"] = old
    env["PYTHONPATH"] = directory + (_os.pathsep + old if old else "")
    return env


def _restore_environment():
    """`reel record` and `reel pytest` prefix PYTHONPATH with Reel's package directory so this
    package imports; the program (and the programs it starts) sees the original value."""
    saved = _os.environ.pop("REEL_SAVED_PYTHONPATH", None)
    if _os.environ.pop("REEL_PYTHONPATH_UNSET", None):
        _os.environ.pop("PYTHONPATH", None)
    elif saved is not None:
        _os.environ["PYTHONPATH"] = saved


def is_recording():
    return _reel.is_recording()


def flush():
    """Hands buffered events to the writer and waits until they are on disk."""
    _reel.flush()


def _discard(path):
    """Removes a finished trace and any .partial left of it (keep="failure" on a run that did not
    fail). A file that is already gone is not an error."""
    import glob
    path = _os.fspath(path)
    # Flight-recorder generation files (last=N) are normally gone once the trace is closed.
    for p in [path, path + ".partial"] + glob.glob(glob.escape(path) + ".flight*"):
        try:
            _os.remove(p)
        except OSError:
            pass


KEEP_CHOICES = ("always", "failure")


def _check_keep(keep):
    if keep not in KEEP_CHOICES:
        raise ValueError("reel: keep must be one of %s, got %r" % ("|".join(KEEP_CHOICES), keep))
    return keep


def _failed(exc_type, exc):
    """Whether leaving a block with this exception counts as a failure for keep="failure":
    any exception except SystemExit with status 0 (the program asked to exit successfully)."""
    if exc_type is None:
        return False
    if issubclass(exc_type, SystemExit):
        code = getattr(exc, "code", None)
        return not (code is None or code == 0)
    return True


class record:
    """Context manager: records the body (and every thread) into `path`. A plain class rather
    than contextlib.contextmanager, so no library frame runs while recording is on.

    keep="failure" keeps the trace only when the body raises (SystemExit(0) does not count);
    otherwise the trace is removed when the block ends. The other options are start()'s."""

    def __init__(self, path, *, keep="always", **options):
        self._path = path
        self._keep = _check_keep(keep)
        self._options = options

    def __enter__(self):
        # Absolute now: the block may change the working directory before _discard runs.
        self._path = _os.path.abspath(_os.fspath(self._path))
        start(self._path, _keep=self._keep, **self._options)
        return self

    def __exit__(self, exc_type, exc, tb):
        failed = _failed(exc_type, exc)
        if failed:
            # The footer says how the block ended; the type name only (str(exc) could run code).
            closed = stop(EXIT_STOPPED, 1, "exception: " + exc_type.__qualname__)
        else:
            closed = stop()
        # `closed` is False in a forked child leaving the block: the file is the parent's.
        if closed and self._keep == "failure" and not failed:
            _discard(self._path)
        return False


class _FromHere:
    """State of record_from_here(): closes the trace at exit with how the program ended."""

    def __init__(self, path, keep):
        self.path = path
        self.keep = keep
        self.uncaught = None
        self.prev_excepthook = None

    def excepthook(self, exc_type, exc, tb):
        # Runs for an uncaught exception before atexit: note it, then let the program's hook print.
        self.uncaught = exc_type
        hook = self.prev_excepthook or _sys.__excepthook__
        return hook(exc_type, exc, tb)

    def at_exit(self):
        if _sys.excepthook == self.excepthook:
            _sys.excepthook = self.prev_excepthook
        if not is_recording():
            return
        if self.uncaught is not None:
            closed = stop(EXIT_UNCAUGHT, 1, self.uncaught.__qualname__)
        else:
            closed = stop(EXIT_STOPPED, 0, "program ended")
        if closed and self.keep == "failure" and self.uncaught is None:
            _discard(self.path)


def record_from_here(path=None, *, keep="always", **options):
    """Starts recording at the call site and keeps recording until the program ends (or stop()).

    The frames already running (the caller and the callers above it) are recorded from their
    next event on, so the trace shows the rest of the function that called this and everything
    after it, with what it prints (reel/_output.py). The trace is closed by an atexit handler;
    an uncaught exception is noted in its footer. With keep="failure" the trace is removed unless the program ends with an uncaught
    exception. Also usable as the breakpoint() hook: PYTHONBREAKPOINT=reel.record_from_here.

    path defaults to "<program>-<pid>.reel" in the current directory. Returns the path, or None
    (and does nothing) when a recording is already running."""
    import atexit
    if is_recording():
        return None
    _check_keep(keep)
    if path is None:
        name = _os.path.splitext(_os.path.basename(_sys.argv[0] if _sys.argv and _sys.argv[0]
                                                   else "python"))[0] or "python"
        path = _os.path.join(_os.getcwd(), "%s-%d.reel" % (name, _os.getpid()))
    options.setdefault("_trace_running", True)
    state = _FromHere(path, keep)
    start(path, _keep=keep, **options)
    state.prev_excepthook = _sys.excepthook
    _sys.excepthook = state.excepthook
    atexit.register(state.at_exit)
    return path
