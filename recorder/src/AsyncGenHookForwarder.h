#pragma once
// The callables reel/_asyncgen.py installs as the async generator hooks while recording: each
// tells the recorder (ASYNCGEN_HOOK record) and forwards the call to the program's own hook, if
// any. C callables, not Python functions: a Python wrapper has a frame, and a tracer or profiler
// the program installs (sys.settrace, sys.setprofile) saw its call, line and return events on
// every first iteration of an async generator (CPython's test_sys_settrace counts events), and a
// traceback from the program's hook showed it.

#include "Compat.h"

namespace reel::recorder {

// _reel._asyncgen_forwarder(kind, original) -> a callable of type _reel.AsyncGenHookForwarder:
// kind 0 firstiter, 1 finalizer; original is the program's hook or None. Its `_reel_original`
// attribute gives the original back (sys.get_asyncgen_hooks answers with it).
PyObject* makeAsyncGenHookForwarder(PyObject* module, PyObject* const* args, Py_ssize_t nargs);
// _reel._make_asyncgen_hooks(real_set, real_get) -> (set_asyncgen_hooks, get_asyncgen_hooks):
// the stand-ins reel/_asyncgen.py installs in sys. The setter calls the real one, then wraps
// whatever is installed in forwarders (called with no arguments, it wraps the current hooks);
// the getter answers with the program's own hooks. Builtins, not Python functions: no frame, and
// the real ones' doc and text signature (3.13's inspect.signature reads it).
PyObject* makeAsyncGenHookTaps(PyObject* module, PyObject* const* args, Py_ssize_t nargs);
// The type, made once per process (new reference; nullptr with an exception set), for the module
// to expose as _reel.AsyncGenHookForwarder.
PyObject* asyncGenHookForwarderType();

}  // namespace reel::recorder
