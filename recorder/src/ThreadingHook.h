#pragma once
// Threads that `threading` starts reach the recorder through threading._trace_hook
// (SettraceHook.h threadTraceEntry). Reel does not import threading: a recorded run must have the
// modules a plain one has (threading binds time.monotonic and more at import, so a program that
// patches those first would compute something else with Reel than without). When the program
// has not imported threading by the time recording starts, the hook goes in at the first sight
// of the code of threading's Thread.start, which runs in the starting thread before the new
// thread's bootstrap reads the hook.

#include "Compat.h"

namespace reel::recorder {

// _reel._arm_threading_hook(entry): arms the first-sight check with `entry` (the recorder's
// _thread_trace); _reel._arm_threading_hook(None) disarms it.
PyObject* armThreadingHook(PyObject* module, PyObject* entry);

// Called by CodeTable for every code object it sees for the first time in a session, traced or
// not; costs a flag test unless armed. Leaves the Python error state as it found it.
void noteFirstSight(PyCodeObject* code);

}  // namespace reel::recorder
