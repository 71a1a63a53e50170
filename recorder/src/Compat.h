#pragma once
// Every difference between the CPython versions the recorder supports (3.11, 3.12, 3.13) lives in
// this header: frame layout, code fields, how per-frame opcode events are switched on, generator
// layout. The rest of the recorder is version-agnostic and talks to these helpers.
//
// Only static inline helpers that touch struct fields or call exported functions belong here: an
// inline from the internal headers that calls a non-exported symbol makes the module fail to
// import.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#endif
#include <frameobject.h>
#include <internal/pycore_code.h>
#include <internal/pycore_frame.h>
#if PY_VERSION_HEX >= 0x030D0000
#include <internal/pycore_genobject.h>
#endif

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030E0000
#error "Reel's recorder supports CPython 3.11 to 3.13"
#endif

#include "ThreadStateSlot.h"

// Code extra slots: public-unstable names on 3.12+, underscore names on 3.11.
#if PY_VERSION_HEX < 0x030C0000
#define PyUnstable_Code_GetExtra _PyCode_GetExtra
#define PyUnstable_Code_SetExtra _PyCode_SetExtra
#define PyUnstable_Eval_RequestCodeExtraIndex _PyEval_RequestCodeExtraIndex
#endif

// Member-table names: in structmember.h under older names before 3.12.
#if PY_VERSION_HEX < 0x030C0000
#include <structmember.h>
#define Py_T_PYSSIZET T_PYSSIZET
#define Py_READONLY READONLY
#endif

#if PY_VERSION_HEX >= 0x030D0000
// Moved to the internal pycore_setobject.h on 3.13 (still exported); that header cannot be
// included from C++ here, so declare the one function we need.
extern "C" int _PySet_NextEntry(PyObject* set, Py_ssize_t* pos, PyObject** key, Py_hash_t* hash);
#endif

namespace reel::recorder::compat {

inline constexpr int kMinorVersion = PY_MINOR_VERSION;

// Local kinds (co_localspluskinds), same values on every supported version; HIDDEN is 3.12+.
inline constexpr uint8_t kFastHidden = 0x10;
inline constexpr uint8_t kFastLocal = 0x20;
inline constexpr uint8_t kFastCell = 0x40;
inline constexpr uint8_t kFastFree = 0x80;

// The line of each instruction, asked in increasing offset order, from one walk of the line
// table: PyCode_Addr2Line walks it from the start at every call, which made decoding a code object
// quadratic in its length (namedtuple's generated __new__ for 30,000 fields, in CPython's
// test_collections on 3.13, took 17 s). The cursor starts as _PyCode_InitAddressRange (not
// exported) leaves it; _PyCode_CheckLineNumber (exported) moves it forward or back to the
// offset. The range layout is the same on 3.11-3.13 (cpython/code.h).
class LineCursor {
public:
    explicit LineCursor(PyCodeObject* co) : firstLine_(co->co_firstlineno) {
        PyObject* table = co->co_linetable;
        const auto* start = reinterpret_cast<const uint8_t*>(PyBytes_AS_STRING(table));
        bounds_.opaque.lo_next = start;
        bounds_.opaque.limit = start + PyBytes_GET_SIZE(table);
        bounds_.ar_start = -1;
        bounds_.ar_end = 0;
        bounds_.opaque.computed_line = firstLine_;
        bounds_.ar_line = -1;
    }
    // The line of the instruction at byte offset `offset`; -1 for none (as PyCode_Addr2Line).
    int lineAt(int offset) {
        return offset < 0 ? firstLine_ : _PyCode_CheckLineNumber(offset, &bounds_);
    }

private:
    PyCodeAddressRange bounds_{};
    int firstLine_;
};

inline PyCodeObject* frameCode(_PyInterpreterFrame* f) {
#if PY_VERSION_HEX >= 0x030D0000
    return reinterpret_cast<PyCodeObject*>(f->f_executable);
#else
    return f->f_code;
#endif
}

inline PyObject** localsplus(_PyInterpreterFrame* f) {
    return f->localsplus;
}

// The dict a module/class/exec frame stores its names in (NULL for optimized frames).
inline PyObject* localsDict(_PyInterpreterFrame* f) {
    return f->f_locals;
}

// A class's own namespace dict, borrowed (the class keeps it). 3.12+ keeps the dicts of static
// builtin types in the interpreter, out of tp_dict.
inline PyObject* typeDict(PyTypeObject* t) {
#if PY_VERSION_HEX >= 0x030C0000
    PyObject* d = PyType_GetDict(t);
    Py_XDECREF(d);
    return d;
#else
    return t->tp_dict;
#endif
}

// The thread state's recursion counters, as (Python frames, C levels) remaining before a
// RecursionError; 3.11 has one counter for both (the C one is then NULL). The launcher lends the
// program the depth its own frames take (reel/_launcher.py, `_recursion_loan`).
inline int* pyRecursionRemaining(PyThreadState* ts) {
#if PY_VERSION_HEX >= 0x030C0000
    return &ts->py_recursion_remaining;
#else
    return &ts->recursion_remaining;
#endif
}
inline int* cRecursionRemaining(PyThreadState* ts) {
#if PY_VERSION_HEX >= 0x030C0000
    return &ts->c_recursion_remaining;
#else
    (void)ts;
    return nullptr;
#endif
}

// PEP 667 (3.13): `frame.f_locals` of a function frame is a proxy whose item stores and
// update()/setdefault()/pop() write the frame's fast locals; before 3.13 it is a snapshot dict.
inline bool isFrameLocalsProxy(PyObject* o) {
#if PY_VERSION_HEX >= 0x030D0000
    return PyFrameLocalsProxy_Check(o);
#else
    (void)o;
    return false;
#endif
}

// The dict of a function frame that holds names which are not locals of its code, or NULL.
// 3.13: names added through the f_locals proxy live in the frame object's extra-locals dict
// (never removed from it; the proxy refuses deletions). 3.11/3.12: the frame's cached f_locals
// dict, made by locals() or frame.f_locals and kept for the frame's life; besides the fast
// locals as last synced (stale, see kExtraLocalsHoldFastNames) it keeps whatever else was put in
// it (`exec("x = 1")` in a function, `locals()["k"] = v`), and that shows in f_locals.
inline PyObject* extraLocals(_PyInterpreterFrame* f) {
#if PY_VERSION_HEX >= 0x030D0000
    PyFrameObject* fo = f->frame_obj;
    return fo != nullptr ? fo->f_extra_locals : nullptr;
#else
    return f->f_locals;
#endif
}
// Whether extraLocals() also holds the fast locals' names, which the reader skips.
inline constexpr bool kExtraLocalsHoldFastNames = PY_VERSION_HEX < 0x030D0000;

inline bool isGeneratorFrame(_PyInterpreterFrame* f) {
    return f->owner == FRAME_OWNED_BY_GENERATOR;
}

// The generator, coroutine or async generator object embedding frame `f` (which must be owned by
// a generator): the frame is stored inline at the end of the object.
inline PyObject* generatorOf(_PyInterpreterFrame* f) {
    return reinterpret_cast<PyObject*>(reinterpret_cast<char*>(f) -
                                       offsetof(PyGenObject, gi_iframe));
}

// A coroutine's cr_origin (a tuple of (file, line, function) tuples, recorded when it was created
// under sys.set_coroutine_origin_tracking_depth), borrowed; NULL when not a coroutine or none.
// Read from the struct: the attribute getter would allocate a new tuple each time.
inline PyObject* coroutineOrigin(PyObject* gen) {
    if (!PyCoro_CheckExact(gen)) return nullptr;
    PyObject* origin = reinterpret_cast<PyCoroObject*>(gen)->cr_origin_or_finalizer;
    return origin && PyTuple_CheckExact(origin) ? origin : nullptr;
}

inline _PyInterpreterFrame* interpreterFrame(PyFrameObject* frame) {
    return frame->f_frame;
}

// frame.f_lasti in bytes, computed exactly as PyFrame_GetLasti does (-1 before the first
// instruction), from the interpreter frame so no frame object is needed.
inline int frameLasti(_PyInterpreterFrame* f) {
    int units = _PyInterpreterFrame_LASTI(f);
    return units < 0 ? -1 : units * static_cast<int>(sizeof(_Py_CODEUNIT));
}

// sys.monitoring (PEP 669) exists from 3.12 on; 3.11 only has legacy tracing.
inline constexpr bool kHasMonitoring = PY_VERSION_HEX >= 0x030C0000;

// The frame running in the calling thread: inside a sys.monitoring callback, the frame the event
// is about. Read from the thread state (PyEval_GetFrame would materialize a frame object).
inline _PyInterpreterFrame* currentFrame() {
#if PY_VERSION_HEX >= 0x030D0000
    PyThreadState* ts = tstate::current();
    return ts ? ts->current_frame : nullptr;
#elif PY_VERSION_HEX >= 0x030C0000
    PyThreadState* ts = tstate::current();
    return ts ? ts->cframe->current_frame : nullptr;
#else
    PyThreadState* ts = _PyThreadState_UncheckedGet();
    return ts ? ts->cframe->current_frame : nullptr;
#endif
}

// Turns on 'opcode' events for `frame` under legacy (PyEval_SetTrace) tracing, the way
// `frame.f_trace_opcodes = True` does for sys.settrace.
//  - 3.11: the eval loop reads the struct field at each instruction.
//  - 3.12: the field gates the INSTRUCTION callback; the interpreter-wide switch that makes
//    INSTRUCTION events flow at all is flipped once at start (primeOpcodeTracing).
//  - 3.13: INSTRUCTION is enabled per code object, by the attribute setter, and only when
//    f_trace is non-NULL; so f_trace gets a marker object first.
inline int enableOpcodes(PyFrameObject* frame, PyObject* marker, PyObject* attrName) {
#if PY_VERSION_HEX >= 0x030D0000
    if (frame->f_trace == nullptr) {
        Py_INCREF(marker);
        frame->f_trace = marker;
    }
    if (frame->f_trace_opcodes) return 0;
    return PyObject_SetAttr(reinterpret_cast<PyObject*>(frame), attrName, Py_True);
#else
    (void)marker;
    (void)attrName;
    frame->f_trace_opcodes = 1;
    return 0;
#endif
}

// Undoes enableOpcodes, and the legacy hook's switching off of line events at each call, on a
// frame handed to a tracer of the program's: the fields as a plain run has them.
inline int restoreTraceFlags(PyFrameObject* frame, PyObject* marker, PyObject* attrName) {
    frame->f_trace_lines = 1;
#if PY_VERSION_HEX >= 0x030D0000
    int rc = 0;
    if (frame->f_trace_opcodes)
        rc = PyObject_SetAttr(reinterpret_cast<PyObject*>(frame), attrName, Py_False);
    if (frame->f_trace == marker) Py_CLEAR(frame->f_trace);
    return rc;
#else
    (void)marker;
    (void)attrName;
    frame->f_trace_opcodes = 0;
    return 0;
#endif
}

// 3.12 only: legacy tracing subscribes to INSTRUCTION events only if some frame's
// f_trace_opcodes was set through the attribute setter before PyEval_SetTrace.
inline int primeOpcodeTracing(PyFrameObject* anyFrame, PyObject* attrName) {
#if PY_VERSION_HEX >= 0x030C0000 && PY_VERSION_HEX < 0x030D0000
    if (anyFrame == nullptr) return 0;
    char saved = anyFrame->f_trace_opcodes;
    if (PyObject_SetAttr(reinterpret_cast<PyObject*>(anyFrame), attrName, Py_True) < 0) return -1;
    anyFrame->f_trace_opcodes = saved;
#else
    (void)anyFrame;
    (void)attrName;
#endif
    return 0;
}

// A number that changes whenever the dict's keys or values are rebound (ma_version_tag is
// deprecated since 3.12 but still maintained through 3.13).
inline uint64_t dictVersion(PyObject* dict) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return reinterpret_cast<PyDictObject*>(dict)->ma_version_tag;
#pragma GCC diagnostic pop
}

// Installs (or with func == NULL removes) the legacy C trace function in every existing thread.
inline void setTraceAllThreads(Py_tracefunc func) {
#if PY_VERSION_HEX >= 0x030C0000
    PyEval_SetTraceAllThreads(func, nullptr);
#else
    PyThreadState* self = PyThreadState_Get();
    for (PyThreadState* t = PyInterpreterState_ThreadHead(self->interp); t;
         t = PyThreadState_Next(t)) {
        if (_PyEval_SetTrace(t, func, nullptr) < 0) PyErr_Clear();
    }
#endif
}

// The object a weak reference points to (new reference), or NULL when it died.
inline PyObject* weakrefTarget(PyObject* ref) {
#if PY_VERSION_HEX >= 0x030D0000
    PyObject* obj = nullptr;
    if (PyWeakref_GetRef(ref, &obj) < 0) {
        PyErr_Clear();
        return nullptr;
    }
    return obj;
#else
    PyObject* obj = PyWeakref_GetObject(ref);
    if (obj == nullptr) {
        PyErr_Clear();
        return nullptr;
    }
    return obj == Py_None ? nullptr : Py_NewRef(obj);
#endif
}

// The innermost frame of thread `t` (walk outwards with ->previous), and whether a frame is a C
// entry shim rather than a Python frame (3.12+ put one at the bottom of each C-to-Python call).
inline _PyInterpreterFrame* threadFrame(PyThreadState* t) {
#if PY_VERSION_HEX >= 0x030D0000
    return t->current_frame;
#else
    return t->cframe ? t->cframe->current_frame : nullptr;
#endif
}

// The field the interpreter links a new entry frame to (the `previous` of the frames a call from
// C pushes) and restores when that call returns. A call made with it set to NULL runs as a
// plain run's main module does: no Python frame below it for stack walks (f_back, sys._getframe,
// tracebacks of surviving frames).
inline _PyInterpreterFrame** threadFrameLink(PyThreadState* t) {
#if PY_VERSION_HEX >= 0x030D0000
    return &t->current_frame;
#else
    return &t->cframe->current_frame;
#endif
}

// The frame another thread of this interpreter is running (it waits for the GIL, which the
// caller holds), found by thread ident; NULL when no such thread is alive.
inline _PyInterpreterFrame* frameOfThread(uint64_t ident) {
    PyThreadState* self = PyThreadState_Get();
    for (PyThreadState* t = PyInterpreterState_ThreadHead(self->interp); t;
         t = PyThreadState_Next(t))
        if (t->thread_id == ident) return threadFrame(t);
    return nullptr;
}

// An int's magnitude digits and sign (exact or a subclass): the digit count and sign moved from
// ob_size into lv_tag in 3.12.
struct LongView {
    const digit* digits;
    Py_ssize_t ndigits;
    bool negative;
};

inline LongView longView(PyObject* o) {
    auto* l = reinterpret_cast<PyLongObject*>(o);
#if PY_VERSION_HEX >= 0x030C0000
    const uintptr_t tag = l->long_value.lv_tag;
    return {l->long_value.ob_digit, static_cast<Py_ssize_t>(tag >> 3), (tag & 3) == 2};
#else
    const Py_ssize_t size = Py_SIZE(o);
    return {l->ob_digit, size < 0 ? -size : size, size < 0};
#endif
}

// The value of int `o` when it has at most one digit (|v| < 2**30, or 2**15 with 15-bit digits).
inline bool oneDigitLong(PyObject* o, int64_t& value) {
    const LongView lv = longView(o);
    if (lv.ndigits > 1) return false;
    const int64_t magnitude = lv.ndigits ? static_cast<int64_t>(lv.digits[0]) : 0;
    value = lv.negative ? -magnitude : magnitude;
    return true;
}

inline bool isShimFrame(_PyInterpreterFrame* f) {
#if PY_VERSION_HEX >= 0x030C0000
    return f->owner == FRAME_OWNED_BY_CSTACK;
#else
    (void)f;
    return false;
#endif
}

// Whether `f`, when it returns or yields, hands control to C code (it was called or resumed from
// C: map(), sort's key=, a type's __init__, list.extend(gen), ...) rather than straight to the
// Python frame below it.
inline bool entersFromC(_PyInterpreterFrame* f) {
#if PY_VERSION_HEX >= 0x030C0000
    return f->previous == nullptr || isShimFrame(f->previous);
#else
    return f->is_entry;
#endif
}

// Whether the code object has a per-instruction tool table for INSTRUCTION events (allocated by
// CPython once more than one tool is active while the code is instrumented).
inline bool hasPerInstructionTools(PyCodeObject* code) {
#if PY_VERSION_HEX >= 0x030C0000
    return code->_co_monitoring != nullptr &&
           code->_co_monitoring->per_instruction_tools != nullptr;
#else
    (void)code;
    return false;
#endif
}

// The sys.monitoring instrumentation version `code` was last instrumented for. At PY_START and
// PY_RESUME the code is up to date, so this is the interpreter's current version: a change means
// some tool (or sys.settrace/sys.setprofile) changed its global events since we last looked.
inline uint64_t instrumentationVersion(PyCodeObject* code) {
#if PY_VERSION_HEX >= 0x030C0000
    return static_cast<uint64_t>(code->_co_instrumentation_version);
#else
    (void)code;
    return 0;
#endif
}

// Takes the error indicator (the exception object, or NULL) and puts it back, so teardown code
// run while an exception propagates leaves it alone.
inline PyObject* takeError() {
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (v && tb) PyException_SetTraceback(v, tb);
    Py_XDECREF(t);
    Py_XDECREF(tb);
    return v;
#endif
}

inline void restoreError(PyObject* exc) {
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    if (exc) PyErr_Restore(Py_NewRef(Py_TYPE(exc)), exc, PyException_GetTraceback(exc));
#endif
}

// ---- Purity (Purity.cpp): reading the value stack and a few object internals ----

// The frame's value-stack depth as saved by the interpreter, or -1 when it is not saved. 3.11's
// legacy tracing stores the stack pointer before calling the trace function (ceval.c DO_TRACING:
// _PyFrame_SetStackPointer, then stacktop = -1 after the call); 3.12/3.13 do not at sys.monitoring
// INSTRUCTION events (nor at legacy events, which run on sys.monitoring there), so Purity.cpp uses
// the static depth table (CodeTable::stackDepths) on those versions.
inline int savedStackDepth(_PyInterpreterFrame* f, uint32_t nlocalsplus) {
#if PY_VERSION_HEX < 0x030C0000
    int top = f->stacktop;
    return top >= static_cast<int>(nlocalsplus) ? top - static_cast<int>(nlocalsplus) : -1;
#else
    (void)f;
    (void)nlocalsplus;
    return -1;
#endif
}

// Slot i of the value stack (0 = bottom): right after the frame's local slots.
inline PyObject** valueStack(_PyInterpreterFrame* f, uint32_t nlocalsplus) {
    return f->localsplus + nlocalsplus;
}

inline PyObject* frameGlobals(_PyInterpreterFrame* f) {
    return f->f_globals;
}

// `python -b` (sys.flags.bytes_warning): comparing bytes with str warns. The legacy global is
// written from the interpreter's config at start on every supported version (deprecated since
// 3.12, not removed).
inline bool bytesWarning() {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    return Py_BytesWarningFlag != 0;
#pragma GCC diagnostic pop
}

inline PyObject* frameBuiltins(_PyInterpreterFrame* f) {
    return f->f_builtins;
}

// A dict whose keys are all str (CPython's DICT_KEYS_UNICODE/SPLIT kinds): looking a str up in it
// compares str objects only, never calls a key's __eq__ (a general dict may hold a user object
// whose hash collides with the str).
// The start of PyDictKeysObject (internal/pycore_dict.h, which C++ cannot include on 3.12): the
// same on 3.11-3.13 for the GIL builds we support. dk_kind 0 is DICT_KEYS_GENERAL.
struct DictKeysPrefix {
    Py_ssize_t dk_refcnt;
    uint8_t dk_log2_size;
    uint8_t dk_log2_index_bytes;
    uint8_t dk_kind;
};
inline bool dictKeysAllStr(PyObject* d) {
    if (!PyDict_Check(d)) return false;
    const auto* keys =
        reinterpret_cast<const DictKeysPrefix*>(reinterpret_cast<PyDictObject*>(d)->ma_keys);
    return keys != nullptr && keys->dk_kind != 0;
}

// Whether looking a str attribute name up in `o`'s instance __dict__ (as PyObject_GenericGetAttr
// does) can only compare str keys: no dict at all, values stored without a dict (shared str
// keys), or a dict with str keys only.
inline bool instanceDictKeysAllStr(PyObject* o) {
    PyTypeObject* t = Py_TYPE(o);
    PyObject* d = nullptr;
    if (t->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        // The layouts of internal/pycore_object.h (not includable from C++ on 3.11): the managed
        // dict pointer sits 3 words before the object; 3.11 keeps the values pointer 4 words
        // before it, 3.12 tags values in the dict word's low bit, 3.13 stores them inline right
        // after the object header (Py_TPFLAGS_INLINE_VALUES) with a `valid` flag.
        PyObject** pre = reinterpret_cast<PyObject**>(o);
#if PY_VERSION_HEX >= 0x030D0000
        if (t->tp_flags & Py_TPFLAGS_INLINE_VALUES) {
            // struct _dictvalues { uint8_t capacity, size, embedded, valid; PyObject* values[]; }
            const auto* values = reinterpret_cast<const uint8_t*>(o) + sizeof(PyObject);
            if (values[3]) return true;
        }
        d = pre[-3];
#elif PY_VERSION_HEX >= 0x030C0000
        PyObject* word = pre[-3];
        if (reinterpret_cast<uintptr_t>(word) & 1) return true;
        d = word;
#else
        if (pre[-4] != nullptr) return true;
        d = pre[-3];
#endif
    } else if (t->tp_dictoffset > 0) {
        d = *reinterpret_cast<PyObject**>(reinterpret_cast<char*>(o) + t->tp_dictoffset);
    } else if (t->tp_dictoffset < 0) {
        return false;  // variable-size object: the offset needs ob_size; not worth it
    }
    return d == nullptr || dictKeysAllStr(d);
}

// The code of a generator/coroutine, borrowed, whatever its state (its frame keeps the code).
inline PyCodeObject* generatorCode(PyObject* gen) {
    auto* g = reinterpret_cast<PyGenObject*>(gen);
#if PY_VERSION_HEX >= 0x030C0000
    return frameCode(reinterpret_cast<_PyInterpreterFrame*>(&g->gi_iframe));
#else
    return reinterpret_cast<PyCodeObject*>(g->gi_code);
#endif
}

// The code a generator/coroutine runs when resumed, or NULL when it has finished (resuming it
// then only raises StopIteration) or is running.
inline PyCodeObject* suspendedGeneratorCode(PyObject* gen) {
    if (reinterpret_cast<PyGenObject*>(gen)->gi_frame_state >= FRAME_EXECUTING) return nullptr;
    return generatorCode(gen);
}

// The frame object of a suspended generator/coroutine/async generator, borrowed; NULL when it is
// running or finished, or never had one (the legacy hook's call events make one).
inline PyFrameObject* suspendedGeneratorFrameObject(PyObject* gen) {
    auto* g = reinterpret_cast<PyGenObject*>(gen);
    if (g->gi_frame_state >= FRAME_EXECUTING) return nullptr;
    return reinterpret_cast<_PyInterpreterFrame*>(&g->gi_iframe)->frame_obj;
}

// Names of the hooks, recorded in the trace header.
inline constexpr const char* kSettraceHookName = "PyEval_SetTrace+f_trace_opcodes";
inline constexpr const char* kMonitoringHookName = "sys.monitoring+INSTRUCTION";

// The hook used unless the caller asks for another: the fastest one this version has.
inline const char* hookName() {
    return kHasMonitoring ? kMonitoringHookName : kSettraceHookName;
}

}  // namespace reel::recorder::compat
