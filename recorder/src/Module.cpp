// reel._reel: the recorder extension. start()/stop() drive one recording session at a time; the
// Python package (reel/__init__.py, reel/__main__.py) wraps them.
#include "AsyncGenHookForwarder.h"
#include "Compat.h"
#include "ValueCapture.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <regex>
#include <string>
#include <system_error>
#include <vector>

#include "OutputTap.h"
#include "SignalTap.h"
#include "StreamForward.h"
#include "MonitoringHook.h"
#include "Recorder.h"
#include "RuntimeInternals.h"
#include "SettraceHook.h"
#include "ThreadingHook.h"

#include "ValueCaptureTesting.h"

using namespace reel::recorder;

namespace {

bool stringList(PyObject* seq, std::vector<std::string>& out, const char* what) {
    if (seq == nullptr || seq == Py_None) return true;
    PyObject* fast = PySequence_Fast(seq, what);
    if (!fast) return false;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(fast); ++i) {
        PyObject* item = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyUnicode_Check(item)) {
            Py_DECREF(fast);
            PyErr_Format(PyExc_TypeError, "%s must contain str", what);
            return false;
        }
        out.push_back(utf8Of(item));
    }
    Py_DECREF(fast);
    return true;
}

PyObject* reelFrameMarker(PyObject*, PyObject*) {
    Py_RETURN_NONE;
}

PyObject* reelStart(PyObject*, PyObject* args, PyObject* kwargs) {
    static const char* kwlist[] = {"path",         "opcodes",       "only",      "exclude",
                                   "reel_dir",     "max_depth",     "max_items", "max_str",
                                   "origin_depth", "argv",          "cwd",       "executable",
                                   "trace_running", "durable",      "hook",      "redact",
                                   "no_values",     "last",         "collect",   nullptr};
    const char* path = nullptr;
    PyObject *opcodes = nullptr, *only = nullptr, *exclude = nullptr, *argv = nullptr;
    const char *reelDir = "", *cwd = "", *executable = "";
    unsigned int maxDepth = 4, maxItems = 64, maxStr = 256, originDepth = 0;
    int traceRunning = 1, durable = 0;
    const char* hookArg = nullptr;
    const char* redact = nullptr;
    int noValues = 0, collect = 0;
    unsigned long long last = 0;
    if (!PyArg_ParseTupleAndKeywords(
            args, kwargs, "sO|OOsIIIIOssppzzpKp", const_cast<char**>(kwlist), &path, &opcodes,
            &only, &exclude, &reelDir, &maxDepth, &maxItems, &maxStr, &originDepth, &argv, &cwd,
            &executable, &traceRunning, &durable, &hookArg, &redact, &noValues, &last, &collect))
        return nullptr;
    if (last != 0 && last < reel::replayer::kMinFlightEvents) {
        PyErr_Format(PyExc_ValueError, "reel: --last must keep at least %llu events, not %llu",
                     static_cast<unsigned long long>(reel::replayer::kMinFlightEvents), last);
        return nullptr;
    }
    if (redact && *redact) {
        try {
            std::regex check(redact, std::regex::ECMAScript | std::regex::icase);
        } catch (const std::regex_error& e) {
            PyErr_Format(PyExc_ValueError, "reel: invalid --redact pattern '%s': %s", redact,
                         e.what());
            return nullptr;
        }
    }
    // Which hook: "auto" (sys.monitoring where the version has it, else legacy tracing),
    // "monitoring" or "settrace"; REEL_HOOK when the caller does not say.
    std::string hook = hookArg ? hookArg : "";
    if (hook.empty()) {
        const char* env = std::getenv("REEL_HOOK");
        hook = env && *env ? env : "auto";
    }
    if (hook != "auto" && hook != "monitoring" && hook != "settrace") {
        PyErr_Format(PyExc_ValueError, "reel: hook must be auto, monitoring or settrace, not '%s'",
                     hook.c_str());
        return nullptr;
    }
    if (hook == "monitoring" && !compat::kHasMonitoring) {
        PyErr_SetString(PyExc_ValueError, "reel: the monitoring hook needs CPython 3.12 or later");
        return nullptr;
    }
    HookState& hs = hookState();
    if (hs.recorder) {
        PyErr_SetString(PyExc_RuntimeError, "reel: a recording is already running");
        return nullptr;
    }
    if (maxDepth < 1 || maxItems < 1 || maxStr < 1) {
        PyErr_SetString(PyExc_ValueError, "reel: capture limits must be at least 1");
        return nullptr;
    }
    if (!hs.ops.load(opcodes)) return nullptr;
    RecorderOptions o;
    o.path = path;
    {
        // The program may change its working directory before the trace is closed (CPython's
        // test runner does): the rename of the .partial and the flight recorder's generation
        // files must not follow it.
        std::error_code ec;
        std::filesystem::path abs = std::filesystem::absolute(o.path, ec);
        if (!ec) o.path = abs.string();
    }
    o.limits = CaptureLimits{maxDepth, maxItems, maxStr};
    if (!stringList(only, o.filter.only, "only") ||
        !stringList(exclude, o.filter.exclude, "exclude") ||
        !stringList(argv, o.header.argv, "argv"))
        return nullptr;
    if (*reelDir) o.filter.alwaysExclude.push_back(reelDir);
    o.originDepth = originDepth;
    o.redact = redact ? redact : "";
    o.noValues = noValues != 0;
    o.durable = durable != 0;
    o.flightLast = last;
    o.mainThreadIdent = reel_main_thread_ident();
    auto& h = o.header;
    h.recorderVersion = REEL_VERSION;
    h.pythonImplementation = "cpython";
    h.pythonVersion =
        std::string(Py_GetVersion()).substr(0, std::string(Py_GetVersion()).find(' '));
    h.pythonHexVersion = PY_VERSION_HEX;
    h.platform = Py_GetPlatform();
    h.cwd = cwd;
    h.pid = static_cast<uint32_t>(getpid());
    h.executable = executable;
    h.hook = compat::kSettraceHookName;
    h.capture.maxDepth = maxDepth;
    h.capture.maxItems = maxItems;
    h.capture.maxStr = maxStr;
    h.capture.only = o.filter.only;
    h.capture.exclude = o.filter.exclude;
    h.capture.originDepth = originDepth;
    h.capture.redact = o.redact;
    h.capture.noValues = o.noValues;
    h.capture.flightLast = last;
    bool monitoring = false;
    if (hook != "settrace" && compat::kHasMonitoring) {
        int claimed = claimMonitoringTool();
        if (claimed < 0) return nullptr;
        if (claimed == 0 && hook == "monitoring") {
            PyErr_SetString(PyExc_RuntimeError,
                            "reel: every sys.monitoring tool id is in use (REEL_HOOK=settrace "
                            "records with legacy tracing instead)");
            return nullptr;
        }
        // No free tool id under "auto": legacy tracing records the same events, more slowly.
        monitoring = claimed == 1;
    }
    if (monitoring) h.hook = compat::kMonitoringHookName;
    try {
        hs.recorder = std::make_unique<Recorder>(std::move(o), hs.ops);
    } catch (const std::exception& e) {
        if (monitoring) releaseMonitoringTool();
        PyErr_Format(PyExc_OSError, "reel: cannot record to %s: %s", path, e.what());
        return nullptr;
    }
    if (!hs.marker) {
        // A do-nothing trace function: if a Python-level tracer is installed after we stop, it
        // may call the f_trace left on frames that ran while we recorded; returning None makes it
        // drop the frame quietly.
        static PyMethodDef markerDef = {"_reel_frame_marker", reelFrameMarker, METH_VARARGS,
                                        "placeholder frame.f_trace while Reel records"};
        hs.marker = PyCFunction_New(&markerDef, nullptr);
        if (!hs.marker) {
            hs.recorder.reset();
            if (monitoring) releaseMonitoringTool();
            return nullptr;
        }
    }
    // `reel record`, before the program starts: what Reel's own start-up left for the
    // collector (the probe class, modules imported and dropped again to give the program a plain
    // run's modules) is collected now, with no hook to see a finalizer, so that the program's
    // first gc.collect() finds only its own garbage, as in a plain run. Not for reel.start()
    // called by a running program: a collection then would change when its finalizers run.
    if (collect) PyGC_Collect();
    bool installed = monitoring ? installMonitoringHook(traceRunning != 0)
                                : installSettraceHook(traceRunning != 0);
    if (!installed) {
        hs.recorder.reset();
        return nullptr;
    }
    // --origin-depth: coroutines created from now on carry cr_origin, recorded once each.
    hs.savedOriginDepth =
        originDepth > 0 ? setOriginTrackingDepth(static_cast<int>(originDepth)) : -1;
    Py_RETURN_NONE;
}

PyObject* reelStop(PyObject*, PyObject* args, PyObject* kwargs) {
    static const char* kwlist[] = {"kind", "status", "message", nullptr};
    int kind = static_cast<int>(reel::format::ExitKind::StoppedByApi), status = 0;
    const char* message = "";
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|iis", const_cast<char**>(kwlist), &kind,
                                     &status, &message))
        return nullptr;
    HookState& hs = hookState();
    removeHook();
    std::unique_ptr<Recorder> rec = std::move(hs.recorder);
    if (!rec) Py_RETURN_FALSE;
    if (hs.savedOriginDepth >= 0) {
        setOriginTrackingDepth(hs.savedOriginDepth);
        hs.savedOriginDepth = -1;
    }
    try {
        reel::format::ExitInfo exit;
        exit.kind = static_cast<reel::format::ExitKind>(kind);
        exit.status = status;
        exit.message = message;
        rec->finish(exit);
    } catch (const std::exception& e) {
        PyErr_Format(PyExc_OSError, "reel: closing the trace failed: %s", e.what());
        return nullptr;
    }
    Py_RETURN_TRUE;
}

// A METH_NOARGS entry point that calls `Action` on the current recorder, if any: `flush`, and
// `_before_fork` (os.register_at_fork(before=...), called last among the program's before-fork
// hooks since the recorder registers first). A failure stops recording (internalError).
template <void (Recorder::*Action)()>
PyObject* onRecorder(PyObject*, PyObject*) {
    HookState& hs = hookState();
    if (hs.recorder) {
        try {
            (hs.recorder.get()->*Action)();
        } catch (const std::exception& e) {
            internalError(e);
        }
    }
    Py_RETURN_NONE;
}

// _command_source(code, text): the launcher's `-c` command, so that the trace shows its lines.
PyObject* commandSource(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyCode_Check(args[0]) || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "_command_source(code, text)");
        return nullptr;
    }
    Py_ssize_t n = 0;
    const char* text = PyUnicode_AsUTF8AndSize(args[1], &n);
    if (text == nullptr) return nullptr;
    HookState& hs = hookState();
    if (hs.recorder) {
        try {
            hs.recorder->codes().setCommandSource(reinterpret_cast<PyCodeObject*>(args[0]),
                                                  std::string(text, static_cast<size_t>(n)));
        } catch (const std::exception& e) {
            internalError(e);
        }
    }
    Py_RETURN_NONE;
}

PyObject* reelIsRecording(PyObject*, PyObject*) {
    return PyBool_FromLong(hookState().recorder != nullptr);
}

PyObject* reelAfterForkChild(PyObject*, PyObject*) {
    // A forked child inherits the session but not the writer's thread: recording continues only
    // in the parent. The child's copy is deliberately leaked; destroying it would wait for a
    // thread that does not exist here and write to the parent's file.
    HookState& hs = hookState();
    if (hs.recorder) {
        removeHook();
        (void)hs.recorder.release();
    }
    Py_RETURN_NONE;
}

PyObject* reelCaptureForTesting(PyObject*, PyObject* args, PyObject* kwargs) {
    static const char* kwlist[] = {"obj", "max_depth", "max_items", "max_str", nullptr};
    PyObject* obj = nullptr;
    unsigned int maxDepth = 4, maxItems = 64, maxStr = 256;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|III", const_cast<char**>(kwlist), &obj,
                                     &maxDepth, &maxItems, &maxStr))
        return nullptr;
    try {
        return reel::recorder::reelCaptureForTesting(obj,
                                                     CaptureLimits{maxDepth, maxItems, maxStr});
    } catch (const std::exception& e) {
        PyErr_Format(PyExc_RuntimeError, "reel: %s", e.what());
        return nullptr;
    }
}

// Testing hooks of ValueCaptureTesting.h that take an iterable and capture limits (plus the
// per-generation size of the content-address table, to exercise eviction).
template <PyObject* (*Fn)(PyObject*, CaptureLimits)>
PyObject* iterableForTesting(PyObject*, PyObject* args, PyObject* kwargs) {
    static const char* kwlist[] = {"iterable", "max_depth",   "max_items",
                                   "max_str",  "dedup_slots", nullptr};
    PyObject* obj = nullptr;
    unsigned int maxDepth = 4, maxItems = 64, maxStr = 256;
    unsigned long long dedupSlots = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|IIIK", const_cast<char**>(kwlist), &obj,
                                     &maxDepth, &maxItems, &maxStr, &dedupSlots))
        return nullptr;
    if (dedupSlots & (dedupSlots - 1)) {
        PyErr_SetString(PyExc_ValueError, "dedup_slots must be a power of two");
        return nullptr;
    }
    CaptureLimits limits{maxDepth, maxItems, maxStr};
    limits.dedupSlots = static_cast<size_t>(dedupSlots);
    return Fn(obj, limits);
}

PyObject* mayMutateForTesting(PyObject*, PyObject* obj) {
    return reel::recorder::reelMayMutateForTesting(obj);
}

PyObject* shiftRecursion(PyObject*, PyObject* const* args, Py_ssize_t n) {
    if (n != 2) {
        PyErr_SetString(PyExc_TypeError, "_shift_recursion(py, c)");
        return nullptr;
    }
    const long py = PyLong_AsLong(args[0]), c = PyLong_AsLong(args[1]);
    if (PyErr_Occurred()) return nullptr;
    PyThreadState* ts = PyThreadState_Get();
    *compat::pyRecursionRemaining(ts) += static_cast<int>(py);
    if (int* cr = compat::cRecursionRemaining(ts)) *cr += static_cast<int>(c);
    Py_RETURN_NONE;
}

// _call_detached(fn, *args): fn(*args) with no Python frame below it, the way the interpreter
// calls a main module: the launcher's frames stay alive (they get the call's result) but are not
// linked under the program's, so stack walks end where a plain run's do. Consistent for the
// interpreter because the link is NULL from the call's first frame on: every frame above
// records NULL as its base and the interpreter's own return path writes NULL back, which the
// restore then overwrites (docs/recorder.md, "Using it").
PyObject* callDetached(PyObject*, PyObject* const* args, Py_ssize_t n) {
    if (n < 1) {
        PyErr_SetString(PyExc_TypeError, "_call_detached(fn, *args)");
        return nullptr;
    }
    _PyInterpreterFrame** link = compat::threadFrameLink(PyThreadState_Get());
    _PyInterpreterFrame* saved = *link;
    *link = nullptr;
    PyObject* result = PyObject_Vectorcall(args[0], args + 1, static_cast<size_t>(n - 1), nullptr);
    *link = saved;
    return result;
}

PyMethodDef methods[] = {
    {"start", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(reelStart)),
     METH_VARARGS | METH_KEYWORDS,
     "start(path, opcodes, only=(), exclude=(), ...): begin recording into path"},
    {"stop", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(reelStop)),
     METH_VARARGS | METH_KEYWORDS,
     "stop(kind=4, status=0, message=''): finish the trace; False when not recording"},
    {"flush", onRecorder<&Recorder::flush>, METH_NOARGS, "hand buffered events to the writer and wait for the disk"},
    {"is_recording", reelIsRecording, METH_NOARGS, "True while a recording runs"},
    {"_command_source", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(commandSource)),
     METH_FASTCALL, "_command_source(code, text): the source of `python -c`'s command"},
    {"_thread_trace", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(threadTraceEntry)),
     METH_FASTCALL, "threading.settrace entry that installs the C hook in a new thread"},
    {"_arm_threading_hook", armThreadingHook, METH_O,
     "_arm_threading_hook(entry or None): set threading._trace_hook at Thread.start's first sight"},
    {"_after_fork_child", reelAfterForkChild, METH_NOARGS, "stop recording in a forked child"},
    {"_before_fork", onRecorder<&Recorder::pauseWriters>, METH_NOARGS,
     "end the writer threads before fork() (they start again with the next batch)"},
    {"_asyncgen_forwarder",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(makeAsyncGenHookForwarder)),
     METH_FASTCALL,
     "_asyncgen_forwarder(kind, original): a hook that records its calls and forwards them"},
    {"_make_asyncgen_hooks",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(makeAsyncGenHookTaps)),
     METH_FASTCALL,
     "_make_asyncgen_hooks(real_set, real_get): sys.set/get_asyncgen_hooks stand-ins"},
    {"_stream_forward",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(makeStreamForward)),
     METH_FASTCALL, "_stream_forward(stream, fd, text): a recording stand-in for a std stream"},
    {"_stand_in",
     [](PyObject*, PyObject* member) -> PyObject* {
         if (!ValueCapture::registerStandIn(member)) return nullptr;
         Py_RETURN_NONE;
     },
     METH_O,
     "_stand_in(member): values of the member's class are recorded as the object in that slot"},
    {"_make_settrace", makeSettraceTap, METH_O,
     "_make_settrace(real_settrace): sys.settrace replacement that keeps the legacy hook"},
    {"_tstate_direct", [](PyObject*, PyObject*) -> PyObject* {
         return PyBool_FromLong(reel::recorder::tstate::direct());
     },
     METH_NOARGS, "True when this thread's state is read without CPython's getter (tests)"},
    {"_legacy_hook", [](PyObject*, PyObject*) -> PyObject* {
         return PyBool_FromLong(hookState().recorder && !hookState().monitoring);
     },
     METH_NOARGS, "True while a recording runs with the legacy (settrace) hook"},
    {"_make_os_write", makeOsWriteTap, METH_O,
     "_make_os_write(real_write): os.write replacement that records writes to fd 1 and 2"},
    {"_make_signal_taps",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(makeSignalTaps)), METH_FASTCALL,
     "_make_signal_taps(real_signal, real_getsignal, handler, signum, SIG_DFL): stand-ins that "
     "hide the launcher's handler of signum"},
    {"_recursion_remaining", [](PyObject*, PyObject*) -> PyObject* {
         PyThreadState* ts = PyThreadState_Get();
         const int* c = compat::cRecursionRemaining(ts);
         return Py_BuildValue("(ii)", *compat::pyRecursionRemaining(ts), c ? *c : 0);
     },
     METH_NOARGS, "(Python, C) recursion levels this thread has left"},
    {"_call_detached", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(callDetached)),
     METH_FASTCALL, "_call_detached(fn, *args): fn(*args) with no Python frame below it"},
    {"_shift_recursion", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(shiftRecursion)),
     METH_FASTCALL, "_shift_recursion(py, c): add to this thread's remaining recursion levels"},
    {"_capture_for_testing",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(reelCaptureForTesting)),
     METH_VARARGS | METH_KEYWORDS,
     "_capture_for_testing(obj, max_depth=4, max_items=64, max_str=256)"},
    {"_capture_sequence_for_testing",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(
         iterableForTesting<reel::recorder::reelCaptureSequenceForTesting>)),
     METH_VARARGS | METH_KEYWORDS,
     "_capture_sequence_for_testing(iterable, max_depth=4, max_items=64, max_str=256, "
     "dedup_slots=0)"},
    {"_recapture_for_testing",
     reinterpret_cast<PyCFunction>(
         reinterpret_cast<void (*)()>(iterableForTesting<reel::recorder::reelRecaptureForTesting>)),
     METH_VARARGS | METH_KEYWORDS, "_recapture_for_testing(iterable, ...)"},
    {"_may_mutate_for_testing", mayMutateForTesting, METH_O, "_may_mutate_for_testing(obj)"},
    {"_shape_bytes_for_testing", [](PyObject*, PyObject*) -> PyObject* {
         return Py_BuildValue("(nn)", static_cast<Py_ssize_t>(reel::recorder::gShapeBytes),
                              static_cast<Py_ssize_t>(reel::recorder::gShapeBytesPeak));
     },
     METH_NOARGS, "(bytes held by value shapes now, at most so far)"},
    {nullptr, nullptr, 0, nullptr}};

PyModuleDef reelModule = {PyModuleDef_HEAD_INIT,
                          "_reel",
                          "Reel's recorder (C++).",
                          -1,
                          methods,
                          nullptr,
                          nullptr,
                          nullptr,
                          nullptr};

}  // namespace

PyMODINIT_FUNC PyInit__reel(void) {
    // The build makes one extension per CPython; refuse a mismatched interpreter loudly.
    unsigned long running = Py_Version;
    if ((running >> 16) != (PY_VERSION_HEX >> 16)) {
        PyErr_Format(PyExc_ImportError,
                     "reel: this recorder was built for CPython %d.%d but is running on %lu.%lu",
                     PY_MAJOR_VERSION, PY_MINOR_VERSION, (running >> 24) & 0xFF,
                     (running >> 16) & 0xFF);
        return nullptr;
    }
    PyObject* m = PyModule_Create(&reelModule);
    if (!m) return nullptr;
    PyObject* forwarder = asyncGenHookForwarderType();
    PyObject* streamForward = streamForwardType();
    const bool added = forwarder != nullptr && streamForward != nullptr &&
                       PyModule_AddObjectRef(m, "AsyncGenHookForwarder", forwarder) == 0 &&
                       PyModule_AddObjectRef(m, "StreamForward", streamForward) == 0;
    Py_XDECREF(forwarder);
    Py_XDECREF(streamForward);
    if (!added || PyModule_AddStringConstant(m, "python_version", PY_VERSION) < 0 ||
        PyModule_AddStringConstant(m, "hook", compat::hookName()) < 0) {
        Py_DECREF(m);
        return nullptr;
    }
    return m;
}
