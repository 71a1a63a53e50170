#include "MonitoringHook.h"

#include <exception>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "QuietWeakref.h"
#include "SettraceHook.h"
#include "VectorCallable.h"

namespace reel::recorder {

namespace {

// What a callback turns its event into (see the table in MonitoringHook.h).
enum class Ev { Start, Resume, Throw, Return, Yield, Unwind, Raise, StopIteration, Handled, Instr };

struct EventSpec {
    const char* name;  // attribute of sys.monitoring.events
    Ev ev;
};

constexpr EventSpec kEvents[] = {
    {"PY_START", Ev::Start},
    {"PY_RESUME", Ev::Resume},
    {"PY_THROW", Ev::Throw},
    {"PY_RETURN", Ev::Return},
    {"PY_YIELD", Ev::Yield},
    {"PY_UNWIND", Ev::Unwind},
    {"RAISE", Ev::Raise},
    {"STOP_ITERATION", Ev::StopIteration},
    {"EXCEPTION_HANDLED", Ev::Handled},
    {"INSTRUCTION", Ev::Instr},
};
constexpr size_t kEventCount = sizeof(kEvents) / sizeof(kEvents[0]);

// Tool ids to try, in order: the two no convention claims, then the conventional ones (debugger,
// profiler, coverage, optimizer) in case the program uses none. 6 and 7 belong to
// sys.settrace/sys.setprofile.
constexpr int kToolIds[] = {3, 4, 0, 2, 1, 5};

struct MonitoringState {
    int tool = -1;
    PyObject* toolObj = nullptr;         // int(tool)
    PyObject* monitoring = nullptr;      // the sys.monitoring namespace
    PyObject* disable = nullptr;         // sys.monitoring.DISABLE
    PyObject* setLocalEvents = nullptr;  // sys.monitoring.set_local_events
    PyObject* instructionBit = nullptr;  // int(sys.monitoring.events.INSTRUCTION)
    PyObject* noEvents = nullptr;        // int(0)
    long bits[kEventCount] = {};
    // Created once per process and kept: CPython calls them without holding a reference of its
    // own, so they must outlive any unregistration done from inside a callback.
    PyObject* callbacks[kEventCount] = {};
    // Code objects given local INSTRUCTION events, weakly: holding them would change lifetimes.
    std::vector<PyObject*> enabledCodes;
    // Threads existing at start (their gate opens at their first event).
    std::unordered_set<unsigned long> startIdents;
    uint64_t serial = 0;  // bumped per session: thread gates from earlier sessions are stale
    bool usedDisable = false;
    uint64_t version = 0;  // instrumentation version last seen (compat::instrumentationVersion)
};

// Namespace scope rather than a function-local static: no initialization guard on the hot path.
static MonitoringState gState;

MonitoringState& state() {
    return gState;
}

// initial-exec: a plain %fs-relative load instead of a __tls_get_addr call per event (the module
// is loaded with dlopen, where the default TLS model is the slow general one).
[[gnu::tls_model("initial-exec")]] thread_local uint64_t tlGateSerial = 0;
[[gnu::tls_model("initial-exec")]] thread_local bool tlGateOpen = false;

bool gateOpen() {
    MonitoringState& s = state();
    if (tlGateSerial == s.serial) return tlGateOpen;
    tlGateSerial = s.serial;
    auto it = s.startIdents.find(PyThread_get_thread_ident());
    tlGateOpen = it != s.startIdents.end();
    // Idents are reused: a thread started later with this ident must go through threading.
    if (tlGateOpen) s.startIdents.erase(it);
    return tlGateOpen;
}

// A Python call whose failure is an internal error of the recorder.
PyObject* call(PyObject* fn, std::initializer_list<PyObject*> args, const char* what) {
    PyObject* r =
        PyObject_Vectorcall(fn, const_cast<PyObject**>(args.begin()), args.size(), nullptr);
    if (r == nullptr) {
        PyErr_Clear();
        throw std::runtime_error(std::string("sys.monitoring.") + what + " failed");
    }
    return r;
}

PyObject* attr(PyObject* obj, const char* name) {
    PyObject* r = PyObject_GetAttrString(obj, name);
    if (r == nullptr) throw std::runtime_error(std::string("sys.monitoring has no ") + name);
    return r;
}

// Like call(), for the teardown path: failures are ignored (there is nothing left to stop).
void callQuietly(const char* fn, std::initializer_list<PyObject*> args) {
    MonitoringState& s = state();
    if (s.monitoring == nullptr) return;
    PyObject* f = PyObject_GetAttrString(s.monitoring, fn);
    if (f == nullptr) {
        PyErr_Clear();
        return;
    }
    PyObject* r =
        PyObject_Vectorcall(f, const_cast<PyObject**>(args.begin()), args.size(), nullptr);
    if (r == nullptr) PyErr_Clear();
    Py_XDECREF(r);
    Py_DECREF(f);
}

// Turns INSTRUCTION events on for a traced code object, once per session.
void enableInstructions(PyCodeObject* code, CodeInfo* ci) {
    if (ci->localEvents) return;
    ci->localEvents = true;
    MonitoringState& s = state();
    auto* c = reinterpret_cast<PyObject*>(code);
    Py_DECREF(call(s.setLocalEvents, {s.toolObj, c, s.instructionBit}, "set_local_events"));
    // On failure the events stay on after stop for this code only; harmless.
    if (PyObject* ref = quietWeakref(c)) s.enabledCodes.push_back(ref);
}

// CPython 3.12.1 and 3.13.0: a code object instrumented while more than one tool is active
// (sys.settrace's tool while a new thread's bootstrap has threading's trace function installed,
// for our thread gate) gets a per-instruction tool table for INSTRUCTION events, allocated zeroed
// (Python/instrumentation.c). Seen in `threading.Event.is_set` with two threads starting: our
// tool was missing from that table while its local events still said INSTRUCTION, and the code
// reported no INSTRUCTION event again (its recorded instructions' events were lost for the rest
// of the run; REEL_IMPLIED_CHECK=1 counted them as stray runs in 2 of 16 recordings, none with
// this repair). Switching our events off and on puts our tool back into the table, which CPython
// keeps from then on. Checked at each call or resumption: the code is instrumented at its RESUME,
// before that event.
// Our INSTRUCTION events switched off and on again: CPython instruments the code afresh.
void reinstrument(PyCodeObject* code) {
    MonitoringState& s = state();
    auto* c = reinterpret_cast<PyObject*>(code);
    Py_DECREF(call(s.setLocalEvents, {s.toolObj, c, s.noEvents}, "set_local_events"));
    Py_DECREF(call(s.setLocalEvents, {s.toolObj, c, s.instructionBit}, "set_local_events"));
}

void repairToolTable(PyCodeObject* code, CodeInfo* ci) {
    if (ci->toolsRepaired || !compat::hasPerInstructionTools(code)) return;
    ci->toolsRepaired = true;
    reinstrument(code);
}

// CPython 3.12.1 and 3.13.0 drop the per-code INSTRUCTION events of every code object that is
// executing (on any thread's stack) when sys.settrace or sys.setprofile is switched on or off;
// the code's local events still say INSTRUCTION, so setting them again is a no-op. This happens
// at every thread start (threading's bootstrap calls sys.settrace for our thread gate) and when
// the program installs a tracer or profiler. Switching them off and on again re-instruments the
// code. Noticed from the version change at the next event other than INSTRUCTION.
void repairExecutingCode(Recorder& rec) {
    std::unordered_set<PyCodeObject*> done;
    PyThreadState* self = PyThreadState_Get();
    for (PyThreadState* t = PyInterpreterState_ThreadHead(self->interp); t;
         t = PyThreadState_Next(t)) {
        for (_PyInterpreterFrame* f = compat::threadFrame(t); f; f = f->previous) {
            if (compat::isShimFrame(f)) continue;
            PyCodeObject* code = compat::frameCode(f);
            if (!PyCode_Check(code) || !done.insert(code).second) continue;
            CodeInfo* ci = rec.codes().lookup(code);
            if (!ci || !ci->traced || !ci->localEvents) continue;
            reinstrument(code);
        }
    }
}

constexpr bool isLocal(Ev e) {
    // Events tied to an instruction, which a callback may switch off with DISABLE.
    return e == Ev::Start || e == Ev::Resume || e == Ev::Return || e == Ev::Yield ||
           e == Ev::StopIteration || e == Ev::Instr;
}

// sys.monitoring.DISABLE for the current (code, offset); the next session restarts events.
PyObject* disableHere() {
    state().usedDisable = true;
    return Py_NewRef(state().disable);
}

// Called through the vectorcall slot of a VectorCallable (loadOnce).
template <Ev E>
PyObject* onEvent(PyObject*, PyObject* const* args, size_t nargsf, PyObject*) {
    const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Recorder* rec = hookState().recorder.get();
    if (rec == nullptr || nargs < 2 || !PyCode_Check(args[0])) Py_RETURN_NONE;
    auto* code = reinterpret_cast<PyCodeObject*>(args[0]);
    try {
        if constexpr (E == Ev::Instr) {
            // INSTRUCTION is enabled only for traced code, whose frame is normally the top of the
            // shadow stack already: no co_extra lookup then.
            _PyInterpreterFrame* frame = compat::currentFrame();
            if (frame != nullptr && compat::frameCode(frame) == code && gateOpen()) {
                const Recorder::AtTop r = rec->onOpcodeAtTop(frame);
                // An implied event: this instruction need not be reported again, in any frame
                // (the decision depends only on its position in the code).
                if (r == Recorder::kImpliedEvent) return disableHere();
                if (r == Recorder::kRecorded) Py_RETURN_NONE;
            }
        }
        CodeInfo* ci = rec->codes().lookup(code);
        if (ci == nullptr) throw std::runtime_error("code table full or unavailable");
        if (!ci->traced) {
            // Filtered-out code: switch the event off at this instruction for good, so the frame
            // costs nothing from now on (exception events cannot be switched off; they are rare).
            if constexpr (isLocal(E)) return disableHere();
            Py_RETURN_NONE;
        }
        if (!gateOpen()) Py_RETURN_NONE;
        _PyInterpreterFrame* frame = compat::currentFrame();
        if (frame == nullptr || compat::frameCode(frame) != code) Py_RETURN_NONE;
        if constexpr (E != Ev::Instr && E != Ev::Throw) {
            // The frame's code is instrumented for the current version at these events (a thrown-
            // into generator may not be yet). Not at INSTRUCTION: that is the hot path.
            uint64_t version = compat::instrumentationVersion(code);
            if (version != state().version) {
                repairExecutingCode(*rec);
                state().version = version;
            }
        }
        if constexpr (E == Ev::Instr) {
            if (rec->onOpcode(frame, ci)) return disableHere();
        } else if constexpr (E == Ev::Start || E == Ev::Resume || E == Ev::Throw) {
            enableInstructions(code, ci);
            repairToolTable(code, ci);
            rec->onCall(frame, ci);
        } else if constexpr (E == Ev::Return || E == Ev::Yield) {
            rec->onReturn(frame, ci, nargs > 2 ? args[2] : Py_None);
        } else if constexpr (E == Ev::Unwind) {
            rec->onReturn(frame, ci, nullptr);
        } else if constexpr (E == Ev::Raise || E == Ev::StopIteration) {
            rec->onException(frame, ci, nargs > 2 ? args[2] : nullptr);
        } else if constexpr (E == Ev::Handled) {
            long offset = PyLong_AsLong(args[1]);
            if (offset == -1 && PyErr_Occurred()) {
                PyErr_Clear();
                offset = -1;
            }
            rec->onHandled(frame, ci, static_cast<int>(offset));
        }
    } catch (const std::exception& e) {
        internalError(e);
    } catch (...) {
        internalError("unknown exception");
    }
    Py_RETURN_NONE;
}

vectorcallfunc callbackFor(Ev e) {
    switch (e) {
        case Ev::Start:
            return &onEvent<Ev::Start>;
        case Ev::Resume:
            return &onEvent<Ev::Resume>;
        case Ev::Throw:
            return &onEvent<Ev::Throw>;
        case Ev::Return:
            return &onEvent<Ev::Return>;
        case Ev::Yield:
            return &onEvent<Ev::Yield>;
        case Ev::Unwind:
            return &onEvent<Ev::Unwind>;
        case Ev::Raise:
            return &onEvent<Ev::Raise>;
        case Ev::StopIteration:
            return &onEvent<Ev::StopIteration>;
        case Ev::Handled:
            return &onEvent<Ev::Handled>;
        case Ev::Instr:
            return &onEvent<Ev::Instr>;
    }
    return nullptr;
}

// Loads sys.monitoring and everything the callbacks need, once per process.
void loadOnce() {
    MonitoringState& s = state();
    if (s.monitoring != nullptr) return;
    PyObject* sys = PyImport_ImportModule("sys");
    if (sys == nullptr) throw std::runtime_error("cannot import sys");
    PyObject* mon = PyObject_GetAttrString(sys, "monitoring");
    Py_DECREF(sys);
    if (mon == nullptr) throw std::runtime_error("sys.monitoring is missing");
    PyObject* events = attr(mon, "events");
    // Each callback is a VectorCallable whose vectorcall slot is its event's onEvent.
    PyTypeObject* callbackType = newVectorCallableType("reel._reel.MonitoringCallback");
    if (callbackType == nullptr) throw std::runtime_error("cannot create the callback type");
    for (size_t i = 0; i < kEventCount; ++i) {
        PyObject* bit = attr(events, kEvents[i].name);
        s.bits[i] = PyLong_AsLong(bit);
        if (kEvents[i].ev == Ev::Instr)
            s.instructionBit = bit;
        else
            Py_DECREF(bit);
        s.callbacks[i] = newVectorCallable(callbackType, callbackFor(kEvents[i].ev));
        if (s.callbacks[i] == nullptr) throw std::runtime_error("cannot create a callback");
    }
    Py_DECREF(callbackType);  // each callback holds a reference to it
    Py_DECREF(events);
    s.disable = attr(mon, "DISABLE");
    s.setLocalEvents = attr(mon, "set_local_events");
    s.noEvents = PyLong_FromLong(0);
    s.monitoring = mon;
}

void forEachRunningFrame(bool traceRunning) {
    Recorder& rec = *hookState().recorder;
    PyThreadState* self = PyThreadState_Get();
    for (PyThreadState* t = PyInterpreterState_ThreadHead(self->interp); t;
         t = PyThreadState_Next(t)) {
        state().startIdents.insert(t->thread_id);
        PyFrameObject* f = PyThreadState_GetFrame(t);  // new reference or NULL
        while (f != nullptr) {
            _PyInterpreterFrame* iframe = compat::interpreterFrame(f);
            PyCodeObject* code = compat::frameCode(iframe);
            CodeInfo* ci = rec.codes().lookup(code);
            if (ci && ci->traced) {
                if (traceRunning)
                    enableInstructions(code, ci);
                else
                    rec.ignoreFrame(iframe);
            }
            PyFrameObject* back = PyFrame_GetBack(f);
            Py_DECREF(f);
            f = back;
        }
    }
}

}  // namespace

int claimMonitoringTool() {
    if (!compat::kHasMonitoring) return 0;
    MonitoringState& s = state();
    try {
        loadOnce();
    } catch (const std::exception& e) {
        PyErr_Clear();
        PyErr_Format(PyExc_RuntimeError, "reel: %s", e.what());
        return -1;
    }
    PyObject* getTool = PyObject_GetAttrString(s.monitoring, "get_tool");
    PyObject* useTool = PyObject_GetAttrString(s.monitoring, "use_tool_id");
    PyObject* name = PyUnicode_FromString("reel");
    int claimed = (getTool && useTool && name) ? 0 : -1;
    for (int id : kToolIds) {
        if (claimed != 0) break;
        PyObject* idObj = PyLong_FromLong(id);
        if (idObj == nullptr) {
            claimed = -1;
            break;
        }
        PyObject* owner = PyObject_CallOneArg(getTool, idObj);
        if (owner == Py_None) {
            PyObject* args[2] = {idObj, name};
            PyObject* r = PyObject_Vectorcall(useTool, args, 2, nullptr);
            if (r != nullptr) {
                Py_DECREF(r);
                s.tool = id;
                Py_XSETREF(s.toolObj, Py_NewRef(idObj));
                claimed = 1;
            } else {
                PyErr_Clear();  // taken between the two calls; try the next one
            }
        } else if (owner == nullptr) {
            PyErr_Clear();
        }
        Py_XDECREF(owner);
        Py_DECREF(idObj);
    }
    Py_XDECREF(getTool);
    Py_XDECREF(useTool);
    Py_XDECREF(name);
    if (claimed < 0 && !PyErr_Occurred())
        PyErr_SetString(PyExc_RuntimeError, "reel: cannot use sys.monitoring");
    return claimed;
}

void releaseMonitoringTool() {
    MonitoringState& s = state();
    if (s.tool < 0) return;
    callQuietly("free_tool_id", {s.toolObj});
    s.tool = -1;
}

bool installMonitoringHook(bool traceRunning) {
    MonitoringState& s = state();
    HookState& hs = hookState();
    if (s.tool < 0 || !hs.recorder) {
        PyErr_SetString(PyExc_RuntimeError, "reel: no sys.monitoring tool id claimed");
        return false;
    }
    PyObject* reg = nullptr;
    PyObject* setEvents = nullptr;
    PyObject* maskObj = nullptr;
    try {
        ++s.serial;
        s.startIdents.clear();
        // Implied stores whose events were switched off are switched on again this way when
        // code that runs before them could change the value they replace (Recorder::guardStores).
        hs.recorder->setReinstrument(&reinstrument);
        hs.recorder->codes().allowConditionalImplied();
        tstate::init();  // direct reads of the thread state in the callbacks, where possible
        if (s.usedDisable) {
            // Code filtered out by an earlier session had its events switched off; this session's
            // filters may accept it. (Other tools' DISABLEs are undone too: they are only asked
            // again, which sys.monitoring allows.)
            PyObject* restart = attr(s.monitoring, "restart_events");
            PyObject* r = PyObject_CallNoArgs(restart);
            Py_DECREF(restart);
            if (r == nullptr) throw std::runtime_error("sys.monitoring.restart_events failed");
            Py_DECREF(r);
            s.usedDisable = false;
        }
        reg = attr(s.monitoring, "register_callback");
        long mask = 0;
        for (size_t i = 0; i < kEventCount; ++i) {
            PyObject* bit = PyLong_FromLong(s.bits[i]);
            if (bit == nullptr) throw std::runtime_error("out of memory");
            PyObject* r = PyObject_Vectorcall(
                reg, std::initializer_list<PyObject*>{s.toolObj, bit, s.callbacks[i]}.begin(), 3,
                nullptr);
            Py_DECREF(bit);
            if (r == nullptr) throw std::runtime_error("sys.monitoring.register_callback failed");
            Py_DECREF(r);
            // INSTRUCTION is switched on per code object (enableInstructions).
            if (kEvents[i].ev != Ev::Instr) mask |= s.bits[i];
        }
        // Frames already running: their code needs INSTRUCTION now, their next event pushes them.
        forEachRunningFrame(traceRunning);
        setEvents = attr(s.monitoring, "set_events");
        maskObj = PyLong_FromLong(mask);
        if (maskObj == nullptr) throw std::runtime_error("out of memory");
        Py_DECREF(call(setEvents, {s.toolObj, maskObj}, "set_events"));
    } catch (const std::exception& e) {
        Py_XDECREF(reg);
        Py_XDECREF(setEvents);
        Py_XDECREF(maskObj);
        PyErr_Clear();
        removeMonitoringHook();
        PyErr_Format(PyExc_RuntimeError, "reel: %s", e.what());
        return false;
    }
    Py_XDECREF(reg);
    Py_XDECREF(setEvents);
    Py_XDECREF(maskObj);
    hs.monitoring = true;
    return true;
}

void removeMonitoringHook() {
    MonitoringState& s = state();
    if (s.tool < 0) return;
    // Keep whatever exception is being raised or handled where stop() was called.
    PyObject* saved = compat::takeError();
    callQuietly("set_events", {s.toolObj, s.noEvents});
    for (PyObject* ref : s.enabledCodes) {
        if (PyObject* code = compat::weakrefTarget(ref)) {
            callQuietly("set_local_events", {s.toolObj, code, s.noEvents});
            Py_DECREF(code);
        }
        releaseQuietWeakref(ref);
    }
    s.enabledCodes.clear();
    for (size_t i = 0; i < kEventCount; ++i) {
        PyObject* bit = PyLong_FromLong(s.bits[i]);
        if (bit == nullptr) {
            PyErr_Clear();
            continue;
        }
        callQuietly("register_callback", {s.toolObj, bit, Py_None});
        Py_DECREF(bit);
    }
    s.startIdents.clear();
    ++s.serial;  // closes every thread's gate
    releaseMonitoringTool();
    compat::restoreError(saved);
}

void openThreadGate() {
    tlGateSerial = state().serial;
    tlGateOpen = true;
}

}  // namespace reel::recorder
