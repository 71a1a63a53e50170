"""Console output capture. Every layer a program can write to fd 1 or 2 through is tapped where
the program calls it, so the OUTPUT record sits at the event that wrote it:

- text: sys.stdout/sys.stderr are replaced by thin forwarding objects (_Forward) that write to the
  original stream first and then hand the encoded text to the recorder;
- bytes: their `.buffer` is a _BufferForward doing the same for sys.stdout.buffer.write(...);
- raw fds: os.write is replaced by a C builtin (_reel._make_os_write) that calls the real os.write
  and records what reached fd 1 or 2.

The real streams receive exactly the same calls in the same order, so the bytes on the real
stdout/stderr and their interleaving are those of a plain run (text and bytes written without a
flush in between reach the fd in the order the io buffers release them, as without Reel; the
trace keeps the order of the program's calls). Each layer records only what it was given, so
nothing is recorded twice. This module is Reel's own code: its frames are never recorded, and
the launcher drops them from an uncaught exception's traceback.

Not seen: sys.__stdout__ when the program replaced it before recording began, sys.stdout.buffer.raw,
file objects the program opens on fd 1/2 itself (open(1, "w"), os.fdopen), a `from os import write`
done before recording began, writes by C extensions and subprocesses.
"""

import os
import sys

from . import _reel


def _record(fd, data):
    try:
        _reel._output(fd, data)
    except Exception:
        pass  # recording output must never break the program's own write


class _BufferForward:
    """Stands in for sys.stdout.buffer / sys.stderr.buffer: forwards, then records the bytes."""
    __slots__ = ("_raw", "_fd")

    def __init__(self, raw, fd):
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_fd", fd)

    # isinstance(sys.stdout.buffer, io.BufferedWriter) stays true (isinstance consults __class__).
    @property
    def __class__(self):
        return type(self._raw)

    def write(self, b):
        n = self._raw.write(b)
        if type(n) is int and n > 0 and isinstance(b, (bytes, bytearray, memoryview)):
            data = bytes(b)
            _record(self._fd, data if n >= len(data) else data[:n])
        return n

    def writelines(self, lines):
        # As io.IOBase.writelines does it, but through our write so each piece is recorded.
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._raw, name)

    def __setattr__(self, name, value):
        setattr(self._raw, name, value)

    def __iter__(self):
        return iter(self._raw)

    def __enter__(self):
        self._raw.__enter__()
        return self

    def __exit__(self, *exc):
        return self._raw.__exit__(*exc)

    def __repr__(self):
        return repr(self._raw)


class _Forward:
    __slots__ = ("_stream", "_fd", "_buffer")

    def __init__(self, stream, fd):
        object.__setattr__(self, "_stream", stream)
        object.__setattr__(self, "_fd", fd)
        object.__setattr__(self, "_buffer", None)

    @property
    def __class__(self):
        return type(self._stream)

    @property
    def buffer(self):
        raw = self._stream.buffer  # raises as the real one does (e.g. after detach())
        wrapped = self._buffer
        if wrapped is None or wrapped._raw is not raw:
            wrapped = _BufferForward(raw, self._fd)
            object.__setattr__(self, "_buffer", wrapped)
        return wrapped

    def write(self, s):
        n = self._stream.write(s)
        try:
            text = s if n is None or not isinstance(n, int) else s[:n]
            if type(text) is str:
                data = text.encode(getattr(self._stream, "encoding", None) or "utf-8",
                                   getattr(self._stream, "errors", None) or "strict")
                _reel._output(self._fd, data)
        except Exception:
            pass  # recording output must never break the program's own write
        return n

    def writelines(self, lines):
        for line in lines:
            self.write(line)

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def __setattr__(self, name, value):
        setattr(self._stream, name, value)

    def __iter__(self):
        return iter(self._stream)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._stream.__exit__(*exc)

    def __repr__(self):
        return repr(self._stream)


# Snapshots of a stand-in show the stream it stands for (the program's view in a plain run).
_reel._stand_in(_Forward._stream)
_reel._stand_in(_BufferForward._raw)


def is_wrapper(obj):
    return type(obj) in (_Forward, _BufferForward)


def wrap(stream, fd):
    """A recording stand-in for `stream` (None and stand-ins are returned as they are)."""
    if stream is None or type(stream) is _Forward:
        return stream
    return _Forward(stream, fd)


def install():
    """Wraps the current sys.stdout/sys.stderr (when they are real streams) and os.write.
    sys.__stdout__/sys.__stderr__ get the same stand-in when they are the same object, so
    `sys.stdout is sys.__stdout__` holds as in a plain run and restoring from them keeps the
    capture. Returns what was replaced, for uninstall()."""
    replaced = []
    for name, fd in (("stdout", 1), ("stderr", 2)):
        cur = getattr(sys, name)
        wrapped = wrap(cur, fd)
        if wrapped is not cur:
            dunder = "__%s__" % name
            also_dunder = getattr(sys, dunder) is cur
            if also_dunder:
                setattr(sys, dunder, wrapped)
            setattr(sys, name, wrapped)
            replaced.append((name, dunder if also_dunder else None, cur, wrapped))
    install_os_write()
    return replaced


def uninstall(replaced):
    """Puts back the streams install() replaced, where the stand-in is still in place (a stream
    the program set meanwhile stays). The os.write tap stays: it records only while recording."""
    for name, dunder, original, wrapped in replaced:
        if getattr(sys, name) is wrapped:
            setattr(sys, name, original)
        if dunder is not None and getattr(sys, dunder) is wrapped:
            setattr(sys, dunder, original)


_os_write_tap = None


def install_os_write():
    """Replaces os.write by the recording builtin (once; it records only while recording)."""
    global _os_write_tap
    if _os_write_tap is not None and os.write is _os_write_tap:
        return
    _os_write_tap = _reel._make_os_write(os.write)
    os.write = _os_write_tap


def strip_traceback(tb):
    """`tb` without the entries of Reel's own frames (this module's forwarders), so an error in a
    forwarded write prints the traceback a plain run prints."""
    reel_dir = os.path.dirname(os.path.abspath(__file__)) + os.sep
    entries = []
    while tb is not None:
        if not os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(reel_dir):
            entries.append(tb)
        tb = tb.tb_next
    new = None
    for t in reversed(entries):
        new = type(t)(new, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return new
