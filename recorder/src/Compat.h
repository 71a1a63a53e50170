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

// Code extra slots: public-unstable names on 3.12+, underscore names on 3.11.
#if PY_VERSION_HEX < 0x030C0000
#define PyUnstable_Code_GetExtra _PyCode_GetExtra
#define PyUnstable_Code_SetExtra _PyCode_SetExtra
#define PyUnstable_Eval_RequestCodeExtraIndex _PyEval_RequestCodeExtraIndex
#endif

namespace reel::recorder::compat {

inline constexpr int kMinorVersion = PY_MINOR_VERSION;

// Local kinds (co_localspluskinds), same values on every supported version; HIDDEN is 3.12+.
inline constexpr uint8_t kFastHidden = 0x10;
inline constexpr uint8_t kFastLocal = 0x20;
inline constexpr uint8_t kFastCell = 0x40;
inline constexpr uint8_t kFastFree = 0x80;

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

inline bool isGeneratorFrame(_PyInterpreterFrame* f) {
    return f->owner == FRAME_OWNED_BY_GENERATOR;
}

// The generator, coroutine or async generator object embedding frame `f` (which must be owned by
// a generator): the frame is stored inline at the end of the object.
inline PyObject* generatorOf(_PyInterpreterFrame* f) {
    return reinterpret_cast<PyObject*>(reinterpret_cast<char*>(f) -
                                       offsetof(PyGenObject, gi_iframe));
}

inline _PyInterpreterFrame* interpreterFrame(PyFrameObject* frame) {
    return frame->f_frame;
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

// Name of the hook recorded in the trace header.
inline const char* hookName() {
    return "PyEval_SetTrace+f_trace_opcodes";
}

}  // namespace reel::recorder::compat
