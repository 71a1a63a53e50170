#pragma once
// A Python callable whose calls go straight to a C function through its vectorcall slot: the
// recorder's sys.monitoring callbacks (MonitoringHook.cpp), and the bench floor's
// (bench/floor/reel_floor.cpp), which must be called the same way to stay the recorder's hook
// minus its work. A METH_FASTCALL builtin is called through cfunction_vectorcall_FASTCALL, whose
// recursion-limit bookkeeping (two thread-state reads, each a __tls_get_addr call in a shared
// libpython) cost about 48 instructions of every event.

#include "Compat.h"

#include <cstddef>

namespace reel::recorder {

struct VectorCallable {
    PyObject_HEAD
    vectorcallfunc vectorcall;
};

// The type `name` ("module.Name") of such callables; a new reference, or NULL with an exception.
inline PyTypeObject* newVectorCallableType(const char* name) {
    static PyMemberDef members[] = {
        {"__vectorcalloffset__", Py_T_PYSSIZET, offsetof(VectorCallable, vectorcall), Py_READONLY,
         nullptr},
        {nullptr, 0, 0, 0, nullptr},
    };
    static PyType_Slot slots[] = {
        {Py_tp_call, reinterpret_cast<void*>(&PyVectorcall_Call)},
        {Py_tp_members, members},
        {0, nullptr},
    };
    static PyType_Spec spec = {
        nullptr, sizeof(VectorCallable), 0,
        Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_IMMUTABLETYPE, slots};
    spec.name = name;
    return reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&spec));
}

// A callable of `type` that calls `fn`; a new reference, or NULL with an exception.
inline PyObject* newVectorCallable(PyTypeObject* type, vectorcallfunc fn) {
    VectorCallable* c = PyObject_New(VectorCallable, type);
    if (c != nullptr) c->vectorcall = fn;
    return reinterpret_cast<PyObject*>(c);
}

}  // namespace reel::recorder
