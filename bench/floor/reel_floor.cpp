// reel_floor: the count-only C floor of recording, a benchmark instrument (bench/floor_tracer.py,
// bench/bench_recorder.py), not part of the shipped `reel` package.
//
// It installs the same hook the recorder installs (recorder/src/SettraceHook.cpp,
// MonitoringHook.cpp), with the same per-version switches (recorder/src/Compat.h, included as is),
// the same events and the same per-code-object filtering by file name, but its callbacks only
// count. Recording time divided by this floor's time is what the recorder's own work costs (issue
// 3's target: at most 1.6x).
//
//   start(hook, dir[, callable])
//                      hook: "monitoring" (3.12+: every event the recorder subscribes to),
//                      "instruction" (3.12+: only PY_START + INSTRUCTION, the note's bare
//                      floor), "settrace" (PyEval_SetTrace + opcode events, every version);
//                      dir: code whose co_filename is under this absolute directory is traced;
//                      callable (sys.monitoring hooks): "vectorcall" (default, objects whose
//                      vectorcall slot is the callback, as the recorder's since session 22) or
//                      "fastcall" (METH_FASTCALL builtins, the note's measurement).
//   stop() -> int      the number of events the recorder would number (opcode, call, resume,
//                      return, yield, unwind, exception): comparable to `reel info` "events".
//   counts() -> dict   the counters by kind.
//   thread_entry       a threading.settrace function for the "settrace" hook (new threads).
//
// One session per process: the per-code tags in co_extra are not reset.
#include "Compat.h"  // recorder/src: the recorder's own version switches
#include "VectorCallable.h"  // and its callback objects

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace compat = reel::recorder::compat;

enum class Hook { None, Settrace, Monitoring, Instruction };

// co_extra tag of a code object (stored as the pointer value, nothing to free).
enum Tag : uintptr_t { kUnknown = 0, kRejected = 1, kAccepted = 2, kEnabled = 3 };

// Plain globals: the callbacks run with the GIL held, so no atomics are needed, and namespace
// scope avoids an initialization guard on the hot path.
uint64_t gOpcodes = 0, gCalls = 0, gReturns = 0, gExceptions = 0, gHandled = 0;
Hook gHook = Hook::None;
bool gUsed = false;
std::string gDir;
Py_ssize_t gExtraIndex = -1;
PyObject* gMarker = nullptr;       // stands in for frame.f_trace on 3.13, as the recorder's
PyObject* gOpcodesAttr = nullptr;  // interned "f_trace_opcodes"

// The recorder's PathFilter rule for a directory (recorder/src/CodeTable.cpp startsWithDir).
bool underDir(std::string_view path, const std::string& dir) {
    if (dir.empty() || path.compare(0, dir.size(), dir) != 0) return false;
    return path.size() == dir.size() || dir.back() == '/' || path[dir.size()] == '/';
}

uintptr_t tagOf(PyCodeObject* code) {
    void* extra = nullptr;
    auto* c = reinterpret_cast<PyObject*>(code);
    if (PyUnstable_Code_GetExtra(c, gExtraIndex, &extra) < 0) {
        PyErr_Clear();
        return kRejected;
    }
    auto tag = reinterpret_cast<uintptr_t>(extra);
    if (tag != kUnknown) return tag;
    Py_ssize_t n = 0;
    const char* p = PyUnicode_AsUTF8AndSize(code->co_filename, &n);
    if (p == nullptr) PyErr_Clear();
    tag = p && underDir(std::string_view(p, static_cast<size_t>(n)), gDir) ? kAccepted : kRejected;
    if (PyUnstable_Code_SetExtra(c, gExtraIndex, reinterpret_cast<void*>(tag)) < 0) PyErr_Clear();
    return tag;
}

void setTag(PyCodeObject* code, uintptr_t tag) {
    if (PyUnstable_Code_SetExtra(reinterpret_cast<PyObject*>(code), gExtraIndex,
                                 reinterpret_cast<void*>(tag)) < 0)
        PyErr_Clear();
}

// A do-nothing trace function: the f_trace left on frames (3.13) if a Python tracer comes later.
PyObject* markerFunc(PyObject*, PyObject*) {
    Py_RETURN_NONE;
}
PyMethodDef gMarkerDef = {"_floor_frame_marker", markerFunc, METH_VARARGS, nullptr};

// ---- "settrace": PyEval_SetTrace, opcode events switched on per accepted frame at its CALL ----

int floorTrace(PyObject*, PyFrameObject* frame, int what, PyObject*) {
    if (what == PyTrace_OPCODE) {  // only frames switched on below get these
        ++gOpcodes;
        return 0;
    }
    if (what == PyTrace_LINE) return 0;
    if (tagOf(compat::frameCode(compat::interpreterFrame(frame))) != kAccepted) return 0;
    switch (what) {
        case PyTrace_CALL: {
            // As SettraceHook.cpp: keep an exception being thrown into a generator intact around
            // the 3.13 attribute setter.
            PyObject *t, *v, *tb;
            PyErr_Fetch(&t, &v, &tb);
            if (compat::enableOpcodes(frame, gMarker, gOpcodesAttr) < 0) PyErr_Clear();
            PyErr_Restore(t, v, tb);
            frame->f_trace_lines = 0;
            ++gCalls;
            break;
        }
        case PyTrace_RETURN:
            ++gReturns;
            break;
        case PyTrace_EXCEPTION:
            ++gExceptions;
            break;
        default:
            break;
    }
    return 0;
}

// threading.settrace(thread_entry): a new thread's first 'call' (after its bootstrap frames)
// replaces the Python-level trampoline by the C function and counts that call.
PyObject* threadEntry(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (gHook != Hook::Settrace) Py_RETURN_NONE;
    PyEval_SetTrace(floorTrace, nullptr);
    if (nargs == 3 && PyFrame_Check(args[0]))
        floorTrace(nullptr, reinterpret_cast<PyFrameObject*>(args[0]), PyTrace_CALL, nullptr);
    Py_RETURN_NONE;
}

bool startSettrace() {
    // 3.12: INSTRUCTION events reach legacy tracing only if the f_trace_opcodes setter ran before
    // PyEval_SetTrace (a no-op on the other versions).
    if (compat::primeOpcodeTracing(PyEval_GetFrame(), gOpcodesAttr) < 0) return false;
    PyEval_SetTrace(floorTrace, nullptr);
    return true;
}

void stopSettrace() {
    compat::setTraceAllThreads(nullptr);
    PyEval_SetTrace(nullptr, nullptr);
}

// ---- "monitoring" / "instruction": sys.monitoring with C callbacks ----

struct Monitoring {
    int tool = -1;
    PyObject* module = nullptr;          // sys.monitoring
    PyObject* toolObj = nullptr;         // int(tool)
    PyObject* setLocalEvents = nullptr;  // sys.monitoring.set_local_events
    PyObject* instructionBit = nullptr;  // int(events.INSTRUCTION)
    PyObject* disable = nullptr;         // sys.monitoring.DISABLE
    std::vector<PyObject*> registered;   // event bits given a callback
    std::vector<PyObject*> enabled;      // weak references to codes given INSTRUCTION
};
Monitoring gMon;

// INSTRUCTION on for an accepted code object, once (MonitoringHook.cpp enableInstructions).
void enableInstructions(PyCodeObject* code) {
    setTag(code, kEnabled);
    auto* c = reinterpret_cast<PyObject*>(code);
    PyObject* args[] = {gMon.toolObj, c, gMon.instructionBit};
    PyObject* r = PyObject_Vectorcall(gMon.setLocalEvents, args, 3, nullptr);
    if (r == nullptr) {
        PyErr_WriteUnraisable(gMon.setLocalEvents);
        return;
    }
    Py_DECREF(r);
    if (PyObject* ref = PyWeakref_NewRef(c, nullptr))
        gMon.enabled.push_back(ref);
    else
        PyErr_Clear();
}

enum class Ev { Start, Resume, Throw, Return, Yield, Unwind, Raise, StopIteration, Handled };

// Everything the recorder does at these events minus its own work: the filter (DISABLE for
// rejected code at the events that can be switched off, like MonitoringHook.cpp), enabling
// INSTRUCTION at the events that start running a code object, and a count.
template <Ev E>
PyObject* onEvent(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs < 1 || !PyCode_Check(args[0])) Py_RETURN_NONE;
    auto* code = reinterpret_cast<PyCodeObject*>(args[0]);
    uintptr_t tag = tagOf(code);
    if (tag == kRejected) {
        constexpr bool local = E == Ev::Start || E == Ev::Resume || E == Ev::Return ||
                               E == Ev::Yield || E == Ev::StopIteration;
        if constexpr (local) return Py_NewRef(gMon.disable);
        Py_RETURN_NONE;
    }
    if constexpr (E == Ev::Start || E == Ev::Resume || E == Ev::Throw) {
        if (tag != kEnabled) enableInstructions(code);
        ++gCalls;
    } else if constexpr (E == Ev::Return || E == Ev::Yield || E == Ev::Unwind) {
        ++gReturns;
    } else if constexpr (E == Ev::Raise || E == Ev::StopIteration) {
        ++gExceptions;
    } else {
        ++gHandled;  // not a numbered event in the trace
    }
    Py_RETURN_NONE;
}

// Enabled only for accepted code: nothing to check.
PyObject* onInstruction(PyObject*, PyObject* const*, Py_ssize_t) {
    ++gOpcodes;
    Py_RETURN_NONE;
}

template <Ev E>
PyCFunction fastcall() {
    return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&onEvent<E>));
}

template <PyObject* (*F)(PyObject*, PyObject* const*, Py_ssize_t)>
PyObject* viaVectorcall(PyObject* self, PyObject* const* args, size_t nargsf, PyObject*) {
    return F(self, args, PyVectorcall_NARGS(nargsf));
}

// The recorder's subscription (MonitoringHook.cpp kEvents); "instruction" keeps only the first
// and the last.
PyMethodDef gEventDefs[] = {
    {"PY_START", fastcall<Ev::Start>(), METH_FASTCALL, nullptr},
    {"PY_RESUME", fastcall<Ev::Resume>(), METH_FASTCALL, nullptr},
    {"PY_THROW", fastcall<Ev::Throw>(), METH_FASTCALL, nullptr},
    {"PY_RETURN", fastcall<Ev::Return>(), METH_FASTCALL, nullptr},
    {"PY_YIELD", fastcall<Ev::Yield>(), METH_FASTCALL, nullptr},
    {"PY_UNWIND", fastcall<Ev::Unwind>(), METH_FASTCALL, nullptr},
    {"RAISE", fastcall<Ev::Raise>(), METH_FASTCALL, nullptr},
    {"STOP_ITERATION", fastcall<Ev::StopIteration>(), METH_FASTCALL, nullptr},
    {"EXCEPTION_HANDLED", fastcall<Ev::Handled>(), METH_FASTCALL, nullptr},
    {"INSTRUCTION", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&onInstruction)),
     METH_FASTCALL, nullptr},
};
constexpr size_t kEventCount = sizeof(gEventDefs) / sizeof(gEventDefs[0]);
// The same functions for "vectorcall", in gEventDefs' order.
const vectorcallfunc gEventVectorcalls[] = {
    &viaVectorcall<&onEvent<Ev::Start>>,         &viaVectorcall<&onEvent<Ev::Resume>>,
    &viaVectorcall<&onEvent<Ev::Throw>>,         &viaVectorcall<&onEvent<Ev::Return>>,
    &viaVectorcall<&onEvent<Ev::Yield>>,         &viaVectorcall<&onEvent<Ev::Unwind>>,
    &viaVectorcall<&onEvent<Ev::Raise>>,         &viaVectorcall<&onEvent<Ev::StopIteration>>,
    &viaVectorcall<&onEvent<Ev::Handled>>,       &viaVectorcall<&onInstruction>,
};
static_assert(sizeof(gEventVectorcalls) / sizeof(gEventVectorcalls[0]) == kEventCount);

// A callback for gEventDefs[i], called as the recorder's are ("vectorcall": VectorCallable.h) or
// as a METH_FASTCALL builtin; a new reference, or NULL with an exception.
PyObject* newCallback(size_t i, bool vectorcall) {
    if (!vectorcall) return PyCFunction_New(&gEventDefs[i], nullptr);
    static PyTypeObject* type = reel::recorder::newVectorCallableType("reel_floor.Callback");
    if (type == nullptr) return nullptr;
    return reel::recorder::newVectorCallable(type, gEventVectorcalls[i]);
}

// A sys.monitoring function called with `args`; the new reference, or NULL with an exception.
PyObject* callMon(const char* fn, std::initializer_list<PyObject*> args) {
    PyObject* f = PyObject_GetAttrString(gMon.module, fn);
    if (f == nullptr) return nullptr;
    PyObject* r =
        PyObject_Vectorcall(f, const_cast<PyObject**>(args.begin()), args.size(), nullptr);
    Py_DECREF(f);
    return r;
}

bool callMonOk(const char* fn, std::initializer_list<PyObject*> args) {
    PyObject* r = callMon(fn, args);
    Py_XDECREF(r);
    return r != nullptr;
}

bool startMonitoring(bool all, bool vectorcall) {
    if (!compat::kHasMonitoring) {
        PyErr_SetString(PyExc_RuntimeError, "reel_floor: sys.monitoring needs Python 3.12+");
        return false;
    }
    gMon.module = PySys_GetObject("monitoring");  // borrowed
    if (gMon.module == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, "reel_floor: no sys.monitoring");
        return false;
    }
    Py_INCREF(gMon.module);
    gMon.setLocalEvents = PyObject_GetAttrString(gMon.module, "set_local_events");
    gMon.disable = PyObject_GetAttrString(gMon.module, "DISABLE");
    PyObject* events = PyObject_GetAttrString(gMon.module, "events");
    if (!gMon.setLocalEvents || !gMon.disable || !events) {
        Py_XDECREF(events);
        return false;
    }
    // The first free id in the recorder's order (MonitoringHook.cpp kToolIds).
    PyObject* name = PyUnicode_FromString("reel_floor");
    for (int id : {3, 4, 0, 2, 1, 5}) {
        PyObject* idObj = PyLong_FromLong(id);
        if (idObj && name && callMonOk("use_tool_id", {idObj, name})) {
            gMon.tool = id;
            gMon.toolObj = idObj;
            break;
        }
        PyErr_Clear();
        Py_XDECREF(idObj);
    }
    Py_XDECREF(name);
    if (gMon.tool < 0) {
        Py_DECREF(events);
        PyErr_SetString(PyExc_RuntimeError, "reel_floor: no free sys.monitoring tool id");
        return false;
    }
    long mask = 0;
    bool ok = true;
    for (size_t i = 0; i < kEventCount && ok; ++i) {
        const bool instruction = std::string_view(gEventDefs[i].ml_name) == "INSTRUCTION";
        const bool start = std::string_view(gEventDefs[i].ml_name) == "PY_START";
        if (!all && !instruction && !start) continue;
        PyObject* bit = PyObject_GetAttrString(events, gEventDefs[i].ml_name);
        // CPython calls the callbacks without a reference of its own: they are never freed.
        PyObject* fn = newCallback(i, vectorcall);
        ok = bit && fn && callMonOk("register_callback", {gMon.toolObj, bit, fn});
        if (ok) {
            gMon.registered.push_back(Py_NewRef(bit));
            if (instruction)
                gMon.instructionBit = Py_NewRef(bit);  // switched on per code object
            else
                mask |= PyLong_AsLong(bit);
        }
        Py_XDECREF(bit);
    }
    Py_DECREF(events);
    if (!ok) return false;
    PyObject* maskObj = PyLong_FromLong(mask);
    ok = maskObj && callMonOk("set_events", {gMon.toolObj, maskObj});
    Py_XDECREF(maskObj);
    return ok;
}

void stopMonitoring() {
    if (gMon.tool < 0) return;
    PyObject* zero = PyLong_FromLong(0);
    if (zero == nullptr) {
        PyErr_Clear();
        return;
    }
    if (!callMonOk("set_events", {gMon.toolObj, zero})) PyErr_Clear();
    for (PyObject* ref : gMon.enabled) {
        if (PyObject* code = compat::weakrefTarget(ref)) {
            if (!callMonOk("set_local_events", {gMon.toolObj, code, zero})) PyErr_Clear();
            Py_DECREF(code);
        }
        Py_DECREF(ref);
    }
    gMon.enabled.clear();
    for (PyObject* bit : gMon.registered) {
        if (!callMonOk("register_callback", {gMon.toolObj, bit, Py_None})) PyErr_Clear();
        Py_DECREF(bit);
    }
    gMon.registered.clear();
    if (!callMonOk("free_tool_id", {gMon.toolObj})) PyErr_Clear();
    Py_DECREF(zero);
    gMon.tool = -1;
}

// ---- module ----

uint64_t numberedEvents() {
    return gOpcodes + gCalls + gReturns + gExceptions;
}

PyObject* floorStart(PyObject*, PyObject* args) {
    const char* hook = nullptr;
    const char* dir = nullptr;
    const char* callable = "vectorcall";
    if (!PyArg_ParseTuple(args, "ss|s", &hook, &dir, &callable)) return nullptr;
    if (gUsed) {
        PyErr_SetString(PyExc_RuntimeError, "reel_floor: one session per process");
        return nullptr;
    }
    const std::string_view h(hook);
    Hook which = h == "settrace"      ? Hook::Settrace
                 : h == "monitoring"  ? Hook::Monitoring
                 : h == "instruction" ? Hook::Instruction
                                      : Hook::None;
    if (which == Hook::None) {
        PyErr_Format(PyExc_ValueError,
                     "reel_floor: unknown hook %s (settrace, monitoring, instruction)", hook);
        return nullptr;
    }
    const std::string_view c(callable);
    if (c != "vectorcall" && c != "fastcall") {
        PyErr_Format(PyExc_ValueError,
                     "reel_floor: unknown callable %s (vectorcall, fastcall)", callable);
        return nullptr;
    }
    if (dir[0] != '/') {
        PyErr_SetString(PyExc_ValueError, "reel_floor: dir must be absolute");
        return nullptr;
    }
    gDir = dir;
    if (gExtraIndex < 0) gExtraIndex = PyUnstable_Eval_RequestCodeExtraIndex(nullptr);
    if (gExtraIndex < 0) {
        PyErr_SetString(PyExc_RuntimeError, "reel_floor: no code extra slot");
        return nullptr;
    }
    if (!gOpcodesAttr && !(gOpcodesAttr = PyUnicode_InternFromString("f_trace_opcodes")))
        return nullptr;
    if (!gMarker && !(gMarker = PyCFunction_New(&gMarkerDef, nullptr))) return nullptr;
    gUsed = true;
    gOpcodes = gCalls = gReturns = gExceptions = gHandled = 0;
    bool ok =
        which == Hook::Settrace ? startSettrace()
                                : startMonitoring(which == Hook::Monitoring, c == "vectorcall");
    if (!ok) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_RuntimeError, "reel_floor: cannot install the hook");
        PyObject* saved = compat::takeError();
        stopMonitoring();
        compat::restoreError(saved);
        return nullptr;
    }
    gHook = which;
    Py_RETURN_NONE;
}

PyObject* floorStop(PyObject*, PyObject*) {
    if (gHook == Hook::Settrace)
        stopSettrace();
    else if (gHook != Hook::None)
        stopMonitoring();
    gHook = Hook::None;
    return PyLong_FromUnsignedLongLong(numberedEvents());
}

PyObject* floorCounts(PyObject*, PyObject*) {
    return Py_BuildValue(
        "{sKsKsKsKsKsK}", "events", static_cast<unsigned long long>(numberedEvents()), "opcodes",
        static_cast<unsigned long long>(gOpcodes), "calls", static_cast<unsigned long long>(gCalls),
        "returns", static_cast<unsigned long long>(gReturns), "exceptions",
        static_cast<unsigned long long>(gExceptions), "handled",
        static_cast<unsigned long long>(gHandled));
}

PyMethodDef gMethods[] = {
    {"start", floorStart, METH_VARARGS,
     "start(hook, dir[, callable]): count events of code under dir ('settrace', 'monitoring', "
     "'instruction'; callable 'vectorcall' or 'fastcall')"},
    {"stop", floorStop, METH_NOARGS, "stop() -> events the recorder would number"},
    {"counts", floorCounts, METH_NOARGS, "counts() -> dict of the counters by kind"},
    {"thread_entry", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&threadEntry)),
     METH_FASTCALL, "threading.settrace function for the 'settrace' hook"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef gModule = {PyModuleDef_HEAD_INIT,
                       "reel_floor",
                       "Count-only floor of Reel's recording hook (benchmark instrument)",
                       -1,
                       gMethods,
                       nullptr,
                       nullptr,
                       nullptr,
                       nullptr};

}  // namespace

PyMODINIT_FUNC PyInit_reel_floor() {
    return PyModule_Create(&gModule);
}
