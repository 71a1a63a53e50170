#include "SettraceHook.h"

#include <cstdio>

#include <exception>
#include <new>
#include <system_error>
#include <vector>
#include "BuiltinTap.h"
#include "MonitoringHook.h"
#include "RuntimeInternals.h"

namespace reel::recorder {

namespace {
// Set while this thread runs recorder code: anything that re-enters (a GC-triggered finalizer,
// a nested trace call) is not recorded.
[[gnu::tls_model("initial-exec")]] thread_local bool tlInCallback = false;
// The frame the last 'exception' event of this thread was reported in, until that frame runs on
// (its next opcode event is the handler's first instruction: a HANDLED record, as sys.monitoring's
// EXCEPTION_HANDLED gives on 3.12+) or returns (unwound). Legacy tracing has no 'handled' event;
// events of other frames in between (a finalizer run during the unwinding) leave it pending.
[[gnu::tls_model("initial-exec")]] thread_local _PyInterpreterFrame* tlRaisedIn = nullptr;

struct CallbackGuard {
    CallbackGuard() { tlInCallback = true; }
    ~CallbackGuard() { tlInCallback = false; }
};

void dispatch(Recorder& rec, PyFrameObject* frame, int what, PyObject* arg) {
    _PyInterpreterFrame* iframe = compat::interpreterFrame(frame);
    // The usual opcode event: the frame is the top of the shadow stack, so it is traced and its
    // CodeInfo is known without a co_extra lookup.
    if (what == PyTrace_OPCODE && tlRaisedIn != iframe && rec.onOpcodeAtTop(iframe)) return;
    CodeInfo* ci = rec.codes().lookup(compat::frameCode(iframe));
    if (ci == nullptr) throw std::runtime_error("code table full or unavailable");
    if (!ci->traced) return;
    switch (what) {
        case PyTrace_CALL: {
            HookState& hs = hookState();
            // Save the exception state around the 3.13 attribute setter (it must not disturb an
            // exception being thrown into a generator).
            PyObject *t, *v, *tb;
            PyErr_Fetch(&t, &v, &tb);
            if (compat::enableOpcodes(frame, hs.marker, hs.opcodesAttr) < 0) PyErr_Clear();
            PyErr_Restore(t, v, tb);
            frame->f_trace_lines = 0;  // line events are not recorded; skip their callback
            rec.onCall(iframe, ci);
            break;
        }
        case PyTrace_OPCODE:
            if (tlRaisedIn == iframe) {
                tlRaisedIn = nullptr;
                rec.onHandled(iframe, ci, compat::frameLasti(iframe));
            }
            rec.onOpcode(iframe, ci);
            break;
        case PyTrace_RETURN:
            if (tlRaisedIn == iframe) tlRaisedIn = nullptr;
            rec.onReturn(iframe, ci, arg);
            break;
        case PyTrace_EXCEPTION:
            tlRaisedIn = iframe;
            rec.onException(iframe, ci, arg);
            break;
        default:
            break;
    }
}

int traceFunc(PyObject*, PyFrameObject* frame, int what, PyObject* arg) {
    if (tlInCallback || what == PyTrace_LINE) return 0;
    Recorder* rec = hookState().recorder.get();
    if (rec == nullptr) return 0;
    CallbackGuard guard;
    try {
        dispatch(*rec, frame, what, arg);
    } catch (const std::exception& e) {
        internalError(e);
    } catch (...) {
        internalError("unknown exception");
    }
    return 0;
}

// Whether the filters trace the code `frame` runs.
bool isTraced(Recorder& rec, PyFrameObject* frame) {
    CodeInfo* ci = rec.codes().lookup(compat::frameCode(compat::interpreterFrame(frame)));
    return ci && ci->traced;
}

// Calls fn(frame) for each frame on thread `t`'s stack whose code the filters trace, innermost
// first.
template <class Fn>
void forEachTracedFrame(Recorder& rec, PyThreadState* t, Fn&& fn) {
    PyFrameObject* f = PyThreadState_GetFrame(t);  // new reference or NULL
    while (f != nullptr) {
        if (isTraced(rec, f)) fn(f);
        PyFrameObject* back = PyFrame_GetBack(f);
        Py_DECREF(f);
        f = back;
    }
}

void enableOnRunningFrames(Recorder& rec, bool traceRunning) {
    HookState& hs = hookState();
    PyThreadState* self = PyThreadState_Get();
    for (PyThreadState* t = PyInterpreterState_ThreadHead(self->interp); t;
         t = PyThreadState_Next(t)) {
        forEachTracedFrame(rec, t, [&](PyFrameObject* f) {
            if (traceRunning) {
                if (compat::enableOpcodes(f, hs.marker, hs.opcodesAttr) < 0) PyErr_Clear();
            } else {
                rec.ignoreFrame(compat::interpreterFrame(f));
            }
        });
    }
}
}  // namespace

HookState gHookState;

bool installSettraceHook(bool traceRunning) {
    HookState& hs = hookState();
    hs.monitoring = false;
    if (!hs.opcodesAttr) {
        hs.opcodesAttr = PyUnicode_InternFromString("f_trace_opcodes");
        if (!hs.opcodesAttr) return false;
    }
    CallbackGuard guard;
    try {
        enableOnRunningFrames(*hs.recorder, traceRunning);
        PyFrameObject* cur = PyEval_GetFrame();  // borrowed
        if (compat::primeOpcodeTracing(cur, hs.opcodesAttr) < 0) return false;
    } catch (const std::exception& e) {
        PyErr_Format(PyExc_RuntimeError, "reel: %s", e.what());
        return false;
    }
    compat::setTraceAllThreads(traceFunc);
    PyEval_SetTrace(traceFunc, nullptr);
    return true;
}

void removeHook() {
    HookState& hs = hookState();
    if (hs.monitoring) {
        removeMonitoringHook();
        hs.monitoring = false;
        return;
    }
    compat::setTraceAllThreads(nullptr);
    PyEval_SetTrace(nullptr, nullptr);
}

int setOriginTrackingDepth(int depth) {
    PyObject* saved = compat::takeError();
    int previous = -1;
    PyObject* get = PySys_GetObject("get_coroutine_origin_tracking_depth");  // borrowed
    PyObject* set = PySys_GetObject("set_coroutine_origin_tracking_depth");
    if (get && set) {
        PyObject* old = PyObject_CallNoArgs(get);
        if (old) {
            previous = static_cast<int>(PyLong_AsLong(old));
            Py_DECREF(old);
        }
        PyObject* arg = PyLong_FromLong(depth);
        PyObject* r = arg ? PyObject_CallOneArg(set, arg) : nullptr;
        Py_XDECREF(arg);
        if (!r) previous = -1;
        Py_XDECREF(r);
    }
    PyErr_Clear();
    compat::restoreError(saved);
    return previous;
}

namespace {

// The name of the `threading.Thread` whose bootstrap frame is `bootstrap` (threading's
// `Thread._bootstrap_inner(self)`, which installed the thread's trace function), read without
// running Python code: `self._name` from the instance dict, only when the type's attribute
// lookup is the generic one, nothing in the class hierarchy is called `_name` (a descriptor
// there would run), and the instance dict has str keys only. Empty when it cannot be read so.
std::string threadingName(PyFrameObject* bootstrap) {
    static PyObject* bootstrapName = PyUnicode_InternFromString("_bootstrap_inner");
    static PyObject* nameKey = PyUnicode_InternFromString("_name");
    if (bootstrapName == nullptr || nameKey == nullptr) {
        PyErr_Clear();
        return {};
    }
    _PyInterpreterFrame* f = compat::interpreterFrame(bootstrap);
    PyCodeObject* code = compat::frameCode(f);
    if (code->co_argcount < 1 || code->co_name != bootstrapName) return {};
    PyObject* self = compat::localsplus(f)[0];
    if (self == nullptr || Py_TYPE(self)->tp_getattro != PyObject_GenericGetAttr ||
        !compat::instanceDictKeysAllStr(self) || _PyType_Lookup(Py_TYPE(self), nameKey) != nullptr)
        return {};
    PyObject* saved = compat::takeError();
    std::string result;
    if (PyObject* name = PyObject_GenericGetAttr(self, nameKey)) {
        Py_ssize_t n = 0;
        const char* text = PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, &n) : nullptr;
        try {
            if (text != nullptr) result.assign(text, static_cast<size_t>(n));
        } catch (const std::exception&) {
            result.clear();  // out of memory for a name: the thread keeps Reel's Thread-N
        }
        Py_DECREF(name);
    }
    PyErr_Clear();
    compat::restoreError(saved);
    return result;
}

}  // namespace

PyObject* threadTraceEntry(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    // Called as a sys.settrace function: (frame, event, arg). Replace the Python-level trampoline
    // by the C hook for this thread, then record the event that brought us here.
    HookState& hs = hookState();
    Recorder* rec = hs.recorder.get();
    PyEval_SetTrace(rec && !hs.monitoring ? traceFunc : nullptr, nullptr);
    if (rec && rec->options().originDepth > 0)
        setOriginTrackingDepth(static_cast<int>(rec->options().originDepth));
    if (rec && nargs == 3 && PyFrame_Check(args[0])) {
        // The thread's bootstrap frames were already running when its tracing began; settrace
        // never reports them, so neither do we.
        PyFrameObject* back = PyFrame_GetBack(reinterpret_cast<PyFrameObject*>(args[0]));
        if (back != nullptr) {
            std::string name = threadingName(back);
            try {
                if (!name.empty()) rec->nameThread(PyThread_get_thread_ident(), std::move(name));
            } catch (const std::exception&) {
                // Out of memory for a name: the thread keeps Reel's Thread-N.
            }
        }
        while (back != nullptr) {
            rec->ignoreFrame(compat::interpreterFrame(back));
            PyFrameObject* next = PyFrame_GetBack(back);
            Py_DECREF(back);
            back = next;
        }
        if (hs.monitoring) {
            // The monitoring callbacks for this very 'call' run after us (the settrace tool has
            // a higher id and CPython calls tools from the highest id down) and record it.
            openThreadGate();
            Py_RETURN_NONE;
        }
        // The trampoline runs us with tracing suppressed; the C hook's own guard is not set.
        traceFunc(nullptr, reinterpret_cast<PyFrameObject*>(args[0]), PyTrace_CALL, nullptr);
    }
    Py_RETURN_NONE;
}

namespace {

PyObject* gRealSettrace = nullptr;  // strong reference, kept for the interpreter's lifetime

// The frame objects of suspended generators, coroutines and async generators (collected during
// the collector's walk, which must not run code that may allocate). Called from C: nothing may
// propagate.
int collectSuspendedFrames(PyObject* o, void* arg) noexcept {
    if (PyGen_CheckExact(o) || PyCoro_CheckExact(o) || PyAsyncGen_CheckExact(o))
        if (PyFrameObject* f = compat::suspendedGeneratorFrameObject(o)) {
            try {
                static_cast<std::vector<PyFrameObject*>*>(arg)->push_back(f);
            } catch (const std::bad_alloc&) {
                return 0;  // the frames collected so far are still handed back
            }
            // Owned until handled: restoring flags on 3.13 instruments code, which allocates.
            Py_INCREF(f);
        }
    return 1;
}

// The program installs its own tracer in a thread the legacy hook records (which ends that
// thread's recording: docs/recorder.md, "Known gaps"). The hook set up the frames on its stack,
// and those of suspended generators, to report 'opcode' events and no 'line' events, which the
// program's tracer would then get: pdb's `breakpoint()` printed "unknown debugging event:
// 'opcode'" at every instruction and did not stop at the next line (nor at a generator's lines
// when stepping into it). Their flags go back to a plain run's.
void handBackFrames(PyThreadState* ts) {
    HookState& hs = hookState();
    Recorder* rec = hs.recorder.get();
    if (rec == nullptr) return;
    CallbackGuard guard;
    try {
        auto restore = [&](PyFrameObject* f) {
            if (compat::restoreTraceFlags(f, hs.marker, hs.opcodesAttr) < 0) PyErr_Clear();
        };
        forEachTracedFrame(*rec, ts, restore);
        // A suspended generator keeps the flags in its frame object too; resumed under the
        // program's tracer it would deliver opcode events to it (pdb stepping into a generator
        // printed "unknown debugging event: 'opcode'" at each instruction and stopped at no
        // line). A resume that our hook sees (another thread's) sets them again at its call
        // event. The walk over the heap is once per hand-back, which is rare (a debugger
        // starting).
        struct Owned {
            std::vector<PyFrameObject*> frames;
            ~Owned() {
                for (PyFrameObject* f : frames) Py_DECREF(f);
            }
        } suspended;
        reel_visit_gc_objects(collectSuspendedFrames, &suspended.frames);
        for (PyFrameObject* f : suspended.frames)
            if (isTraced(*rec, f)) restore(f);
    } catch (const std::exception& e) {
        internalError(e);
    }
}

PyObject* settraceTap(PyObject*, PyObject* function) {
    if (gRealSettrace == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, "reel: settrace tap without the real sys.settrace");
        return nullptr;
    }
    PyThreadState* ts = PyThreadState_Get();
    const bool ours = ts->c_tracefunc == traceFunc && ts->c_traceobj == nullptr;
    if (function == Py_None && ours) Py_RETURN_NONE;
    if (ours) handBackFrames(ts);
    return PyObject_CallOneArg(gRealSettrace, function);
}

// Same name as sys.settrace; makeBuiltinTap gives it the real one's doc and text signature (the
// doc here is for a real sys.settrace that is not a builtin).
PyMethodDef gSettraceTapDef = {
    "settrace", settraceTap, METH_O,
    "settrace($module, function, /)\n--\n\nSet the global debug tracing function.\n\nIt will "
    "be called on each function call.  See the debugger chapter in the library manual."};

}  // namespace

PyObject* makeSettraceTap(PyObject*, PyObject* realSettrace) {
    return makeBuiltinTap(realSettrace, gRealSettrace, &gSettraceTapDef, "sys", "_make_settrace",
                          "sys.settrace");
}

namespace {
// Ends the session: the hooks removed, the trace closed with `exitMessage` as its exit.
void stopRecording(const std::string& exitMessage) {
    HookState& hs = hookState();
    std::fflush(stderr);
    std::unique_ptr<Recorder> rec = std::move(hs.recorder);
    removeHook();
    if (rec) {
        try {
            format::ExitInfo exit;
            exit.kind = format::ExitKind::Unknown;
            exit.message = exitMessage;
            rec->finish(exit);
        } catch (...) {
            // The .partial file keeps what was handed over.
        }
    }
}
}  // namespace

void internalError(const char* what) {
    std::fprintf(stderr, "reel: internal error, recording stopped: %s\n", what);
    stopRecording(std::string("recorder internal error: ") + what);
}

void internalError(const std::exception& e) {
    if (dynamic_cast<const std::system_error*>(&e) == nullptr) return internalError(e.what());
    HookState& hs = hookState();
    const std::string kept = hs.recorder ? hs.recorder->partialPath() : std::string();
    std::fprintf(stderr, "reel: cannot write the trace, recording stopped (the program goes on): %s\n",
                 e.what());
    if (!kept.empty())
        std::fprintf(stderr, "reel: what was written before is kept in %s (reel info, reel replay)\n",
                     kept.c_str());
    stopRecording(std::string("recording stopped, cannot write the trace: ") + e.what());
}

}  // namespace reel::recorder
