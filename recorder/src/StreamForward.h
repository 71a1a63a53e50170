#pragma once
// The stand-ins reel/_output.py puts in sys.stdout/sys.stderr (and their `.buffer`) while
// recording: each forwards every call to the stream it stands for and records what a write
// handed to it. C objects, not instances of a Python class: a Python forwarder has frames, and a
// tracer or profiler of the program's (pdb stepping over a print, `python -m trace`, cProfile)
// saw its write, __getattr__ and the rest at every print.

#include "Compat.h"

namespace reel::recorder {

// _reel._stream_forward(stream, fd, text) -> a _reel.StreamForward over `stream`:
//  - text true (sys.stdout/sys.stderr): write(s) calls stream.write(s), then records s[:n]
//    (n, what it returned, when an int) encoded with the stream's encoding and errors, when s is
//    exactly a str; `buffer` is a bytes stand-in over stream.buffer (made again when that
//    changes); `with` gives the stand-in itself without calling the stream's __enter__.
//  - text false (their .buffer): write(b) calls stream.write(b), then records b[:n] of a bytes,
//    bytearray or memoryview; `with` calls the stream's __enter__ and gives the stand-in.
// Every other attribute read, write and deletion goes to the stream, as do iter() and repr();
// `__class__` is the stream's type, so isinstance() answers as for the stream itself. What the
// program's calls return and raise is what the stream returns and raises: recording never
// raises. The `_stream` member names the stream (reel._stand_in: snapshots show the stream).
PyObject* makeStreamForward(PyObject* module, PyObject* const* args, Py_ssize_t nargs);
// The type, made once per process (new reference; nullptr with an exception set), for the module
// to expose as _reel.StreamForward.
PyObject* streamForwardType();

}  // namespace reel::recorder
