#pragma once
// SIGTERM under `reel record`: the launcher closes the trace before the process dies of it, with
// a Python handler it installs when the program starts with the default disposition. The program
// must not see that handler: a plain run's `signal.getsignal(SIGTERM)` is SIG_DFL, and code that
// chains to the previous handler when it is callable (a common way to add a graceful shutdown)
// would call the launcher's, which ends the process where a plain run carries on. The launcher
// therefore replaces `_signal.signal` and `_signal.getsignal` (which `signal.signal`/
// `signal.getsignal` call) by the builtins made here: C functions with the real ones' names and
// docs, so no frame shows to a tracer or in a traceback.

#include "Compat.h"

namespace reel::recorder {

// _reel._make_signal_taps(real_signal, real_getsignal, handler, signum, default) ->
// (signal, getsignal). For signal `signum`, the getter answers `default` (SIG_DFL) where the
// real one answers `handler`, and the setter installs `handler` where it is asked for the
// default (so a program that restores the default still has its trace closed by that signal),
// answering `default` for a previous handler that is `handler`. Everything else, argument errors
// and the main-thread check included, is the real functions'. Only one pair exists: a second
// call retargets it.
PyObject* makeSignalTaps(PyObject* self, PyObject* const* args, Py_ssize_t nargs);

}  // namespace reel::recorder
