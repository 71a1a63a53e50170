#pragma once
// The recording hook on CPython 3.12+: sys.monitoring (PEP 669) with C callbacks. Legacy tracing
// (SettraceHook) is itself built on sys.monitoring on these versions, but pays for a frame object,
// a C trace function indirection and line events at every instruction; this hook registers
// METH_FASTCALL builtins directly and reads the frame from the thread state.
//
// Events are translated to what sys.settrace would have delivered (Python/legacy_tracing.c):
//   PY_START, PY_RESUME, PY_THROW         -> 'call'
//   PY_RETURN, PY_YIELD                   -> 'return' with the value
//   PY_UNWIND                             -> 'return' with NULL (an unwind)
//   RAISE, STOP_ITERATION                 -> 'exception'
//   INSTRUCTION (enabled per code object) -> 'opcode'
//   EXCEPTION_HANDLED                     -> a HANDLED record (no settrace counterpart)
// RERAISE is not subscribed: settrace reports no event for it either.
//
// Threads: sys.monitoring reports every thread, settrace only threads that existed at start and
// threads started later through `threading` (from their first call after the bootstrap frames).
// So the trace is the same whichever hook recorded it, events of a thread count only once its
// gate is open: at start for the threads that exist, through threading.settrace's entry
// (SettraceHook.h threadTraceEntry) for new ones.

#include "Compat.h"

namespace reel::recorder {

// Claims a free sys.monitoring tool id for the session. Returns 1 when claimed, 0 when none is
// free (no exception set: the caller falls back to legacy tracing), -1 with a Python exception.
int claimMonitoringTool();
// Gives a claimed tool id back when the session could not start.
void releaseMonitoringTool();

// Registers the callbacks and turns the events on, delivering to hookState().recorder (a tool
// must have been claimed). `traceRunning` as in installSettraceHook. False with an exception set.
bool installMonitoringHook(bool traceRunning);
// Turns every event off (also the per-code INSTRUCTION events), unregisters the callbacks and
// frees the tool id. Safe to call from inside a callback.
void removeMonitoringHook();

// The calling thread's events are recorded from now on (see above).
void openThreadGate();

}  // namespace reel::recorder
