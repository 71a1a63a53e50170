"""Console output capture. Every layer a program can write to fd 1 or 2 through is tapped where
the program calls it, so the OUTPUT record sits at the event that wrote it:

- text: sys.stdout/sys.stderr are replaced by thin forwarding objects (_reel.StreamForward,
  recorder/src/StreamForward.h) that write to the original stream first and then hand the
  encoded text to the recorder. C objects: a Python forwarder's frames were seen by the
  program's own tracers and profilers (pdb stepping into print(), `python -m trace`, cProfile);
- bytes: their `.buffer` is a stand-in of the same type doing the same for
  sys.stdout.buffer.write(...);
- raw fds: os.write is replaced by a C builtin (_reel._make_os_write) that calls the real os.write
  and records what reached fd 1 or 2.

The real streams receive exactly the same calls in the same order, so the bytes on the real
stdout/stderr and their interleaving are those of a plain run (text and bytes written without a
flush in between reach the fd in the order the io buffers release them, as without Reel; the
trace keeps the order of the program's calls). Each layer records only what it was given, so
nothing is recorded twice.

Not seen: sys.__stdout__ when the program replaced it before recording began, sys.stdout.buffer.raw,
file objects the program opens on fd 1/2 itself (open(1, "w"), os.fdopen), a `from os import write`
done before recording began, writes by C extensions and subprocesses.
"""

import os
import sys

from . import _reel


# Snapshots of a stand-in show the stream it stands for (the program's view in a plain run).
_reel._stand_in(_reel.StreamForward._stream)


def wrap(stream, fd):
    """A recording stand-in for `stream` (None and stand-ins are returned as they are)."""
    if stream is None or type(stream) is _reel.StreamForward:
        return stream
    return _reel._stream_forward(stream, fd, True)


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
