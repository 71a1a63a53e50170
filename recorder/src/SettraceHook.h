#pragma once
// The recording hook: a C Py_tracefunc installed with PyEval_SetTrace (every thread that exists at
// start, and threads started later through threading.settrace), with 'opcode' events switched on
// per traced frame. Because CPython builds sys.settrace itself on this very mechanism, the events
// it delivers are by construction the ones a pure-Python settrace tracer would see.

#include "Compat.h"

#include <memory>

#include "OpcodeTable.h"
#include "Recorder.h"

namespace reel::recorder {

struct HookState {
    std::unique_ptr<Recorder> recorder;
    int savedOriginDepth = -1;  // the starting thread's depth before --origin-depth
    bool monitoring = false;    // the sys.monitoring hook (MonitoringHook.h) is installed
    OpcodeTable ops;
    PyObject* marker = nullptr;       // stands in for frame.f_trace on 3.13 (see compat)
    PyObject* opcodesAttr = nullptr;  // interned "f_trace_opcodes"
};

// Namespace scope rather than a function-local static: no initialization guard at every event.
extern HookState gHookState;
inline HookState& hookState() {
    return gHookState;
}

// Starts delivering events to hookState().recorder through legacy tracing. `traceRunning`: frames
// already on the stacks are recorded from their next event on; otherwise they stay out of the
// trace.
bool installSettraceHook(bool traceRunning);  // false with a Python exception set
// Removes whichever hook is installed (this one or the sys.monitoring one).
void removeHook();

// A METH_FASTCALL builtin for threading.settrace: called by a new thread's first 'call' event, it
// ignores the thread's bootstrap frames (settrace never reports them) and, under legacy tracing,
// installs the C hook in that thread and records that first call; under sys.monitoring it opens
// the thread's gate (MonitoringHook.h) and the monitoring callbacks record the call.
PyObject* threadTraceEntry(PyObject* self, PyObject* const* args, Py_ssize_t nargs);

// Sets this thread's sys.set_coroutine_origin_tracking_depth (per thread in CPython) and returns
// the previous depth, -1 on failure (no exception left set). Used for --origin-depth: at start,
// in each new thread (threadTraceEntry) and to restore the depth at stop.
int setOriginTrackingDepth(int depth);

// Stops recording after an internal failure: one line on stderr, the trace closed with what was
// recorded, the program unharmed.
void internalError(const char* what);
// The same for a caught exception; a failure to write the trace file (std::system_error from the
// writer: a full disk, a quota, an I/O error) is said as such, not as Reel's own fault.
void internalError(const std::exception& e);

// _reel._make_settrace(real_settrace) -> a builtin named "settrace" (module "sys") for the
// launcher to install while legacy tracing records: `sys.settrace(None)` in a thread whose trace
// function is the recorder's own is a no-op (the program has no tracer there, and sys.gettrace()
// reads None, so code that saves and restores the trace function, as doctest does, would
// otherwise switch the recording off); everything else goes to the real sys.settrace. A C
// builtin, so no frame shows to a profiler or in a traceback.
PyObject* makeSettraceTap(PyObject* self, PyObject* realSettrace);

}  // namespace reel::recorder
