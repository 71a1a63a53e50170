"""Reel: record a Python program's execution into a .reel trace (recorder side).

    import reel
    with reel.record("run.reel"):
        work()

    reel.start("run.reel"); ...; reel.stop()

`python -m reel record script.py` records a whole program (see reel/__main__.py).
"""

import os as _os
import sys as _sys
import threading as _threading

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

# A forked child does not continue the parent's recording (see _reel._after_fork_child).
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_reel._after_fork_child)

__all__ = ["start", "stop", "record", "is_recording", "flush"]

_REEL_DIR = _os.path.dirname(_os.path.abspath(__file__))

# ExitKind values of the trace footer (format/include/reel/format/TraceWriter.h).
EXIT_UNKNOWN, EXIT_EXITED, EXIT_UNCAUGHT, EXIT_SIGNAL, EXIT_STOPPED = range(5)


def _abs_patterns(patterns):
    out = []
    for p in patterns or ():
        p = _os.path.expanduser(str(p))
        out.append(p if _os.path.isabs(p) else _os.path.abspath(p))
    return out


def start(path, *, only=(), exclude=(), max_depth=4, max_items=64, max_str=256, origin_depth=0,
          argv=None, durable=False, _trace_running=True):
    """Starts recording every thread into `path` (written as path + ".partial" until stop())."""
    if max_depth < 3 or max_items < 16 or max_str < 64:
        raise ValueError("reel: capture limits below the export contract (3, 16, 64)")
    # Before the hook goes in, so threading's own frames here are not recorded. Threads started
    # from now on install the C hook on their first call.
    _threading.settrace(_reel._thread_trace)
    try:
        _start(path, only, exclude, max_depth, max_items, max_str, origin_depth, argv, durable,
               _trace_running)
    except BaseException:
        _threading.settrace(None)
        raise
    _asyncgen.install()


def _start(path, only, exclude, max_depth, max_items, max_str, origin_depth, argv, durable,
           trace_running):
    _reel.start(
        _os.fspath(path), _opcodes.table(),
        only=_abs_patterns(only), exclude=_abs_patterns(exclude), reel_dir=_REEL_DIR,
        max_depth=int(max_depth), max_items=int(max_items), max_str=int(max_str),
        origin_depth=int(origin_depth), argv=list(_sys.argv if argv is None else argv),
        cwd=_os.getcwd(), executable=_sys.executable or "",
        main_ident=_threading.main_thread().ident or 0, trace_running=bool(trace_running),
        durable=bool(durable))


def stop(kind=EXIT_STOPPED, status=0, message=""):
    """Stops recording and closes the trace. Returns False when nothing was recording."""
    stopped = _reel.stop(kind=kind, status=status, message=message)
    _threading.settrace(None)
    _asyncgen.uninstall()
    return stopped


def is_recording():
    return _reel.is_recording()


def flush():
    """Hands buffered events to the writer and waits until they are on disk."""
    _reel.flush()


class record:
    """Context manager: records the body (and every thread) into `path`. A plain class rather
    than contextlib.contextmanager, so no library frame runs while recording is on."""

    def __init__(self, path, **options):
        self._path = path
        self._options = options

    def __enter__(self):
        start(self._path, **self._options)
        return self

    def __exit__(self, exc_type, exc, tb):
        stop()
        return False
