"""Console output capture: sys.stdout/sys.stderr are replaced by thin forwarding objects that
write to the original stream first (same bytes, same order, same buffering) and then hand the
encoded text to the recorder, which stores it as an OUTPUT record at the current point of the
trace. This module is Reel's own code, so its frames are never recorded.

Not seen: writes that bypass the text streams (sys.stdout.buffer, os.write, subprocesses)."""

import sys

from . import _reel


class _Forward:
    __slots__ = ("_stream", "_fd")

    def __init__(self, stream, fd):
        object.__setattr__(self, "_stream", stream)
        object.__setattr__(self, "_fd", fd)

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


def install():
    """Wraps the current sys.stdout/sys.stderr (when they are real streams)."""
    if sys.stdout is not None and not isinstance(sys.stdout, _Forward):
        sys.stdout = _Forward(sys.stdout, 1)
    if sys.stderr is not None and not isinstance(sys.stderr, _Forward):
        sys.stderr = _Forward(sys.stderr, 2)
