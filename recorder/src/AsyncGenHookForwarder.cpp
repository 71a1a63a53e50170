#include "AsyncGenHookForwarder.h"

#include <structmember.h>

#include <exception>

#include "SettraceHook.h"

namespace reel::recorder {

namespace {

struct Forwarder {
    PyObject_HEAD
    int kind;
    PyObject* original;  // the program's hook, or None
};

PyObject* forwarderCall(PyObject* self, PyObject* args, PyObject* kwargs) {
    auto* f = reinterpret_cast<Forwarder*>(self);
    // CPython calls a hook with the async generator as its only argument.
    if (PyTuple_GET_SIZE(args) == 1 && kwargs == nullptr) {
        HookState& hs = hookState();
        if (hs.recorder) {
            try {
                hs.recorder->onAsyncGenHook(f->kind, PyTuple_GET_ITEM(args, 0));
            } catch (const std::exception& e) {
                internalError(e.what());
            } catch (...) {
                internalError("unknown exception in an async generator hook");
            }
        }
    }
    if (f->original == Py_None) Py_RETURN_NONE;
    return PyObject_Call(f->original, args, kwargs);
}

int forwarderTraverse(PyObject* self, visitproc visit, void* arg) {
    Py_VISIT(reinterpret_cast<Forwarder*>(self)->original);
    Py_VISIT(Py_TYPE(self));
    return 0;
}

int forwarderClear(PyObject* self) {
    Py_CLEAR(reinterpret_cast<Forwarder*>(self)->original);
    return 0;
}

void forwarderDealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    forwarderClear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

PyMemberDef forwarderMembers[] = {
    {"_reel_original", T_OBJECT, offsetof(Forwarder, original), READONLY,
     "the program's hook this forwards to (None: none)"},
    {nullptr, 0, 0, 0, nullptr}};

PyType_Slot forwarderSlots[] = {
    {Py_tp_call, reinterpret_cast<void*>(forwarderCall)},
    {Py_tp_traverse, reinterpret_cast<void*>(forwarderTraverse)},
    {Py_tp_clear, reinterpret_cast<void*>(forwarderClear)},
    {Py_tp_dealloc, reinterpret_cast<void*>(forwarderDealloc)},
    {Py_tp_members, forwarderMembers},
    {0, nullptr}};

PyType_Spec forwarderSpec = {"_reel.AsyncGenHookForwarder", sizeof(Forwarder), 0,
                             Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, forwarderSlots};

// Made once and kept for the process: forwarders may outlive a recording (a hook saved by the
// program and installed again later still works, it just forwards).
PyObject* gForwarderType = nullptr;

}  // namespace

PyObject* asyncGenHookForwarderType() {
    if (gForwarderType == nullptr) gForwarderType = PyType_FromSpec(&forwarderSpec);
    return Py_XNewRef(gForwarderType);
}

PyObject* makeAsyncGenHookForwarder(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyLong_Check(args[0]) || (args[1] != Py_None && !PyCallable_Check(args[1]))) {
        PyErr_SetString(PyExc_TypeError, "_asyncgen_forwarder(kind, original or None)");
        return nullptr;
    }
    const long kind = PyLong_AsLong(args[0]);
    if (kind != 0 && kind != 1) {
        PyErr_SetString(PyExc_ValueError, "_asyncgen_forwarder: kind is 0 or 1");
        return nullptr;
    }
    if (gForwarderType == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, "_asyncgen_forwarder: the module is not initialized");
        return nullptr;
    }
    auto* tp = reinterpret_cast<PyTypeObject*>(gForwarderType);
    auto* f = PyObject_GC_New(Forwarder, tp);
    if (f == nullptr) return nullptr;
    f->kind = static_cast<int>(kind);
    f->original = Py_NewRef(args[1]);
    PyObject_GC_Track(reinterpret_cast<PyObject*>(f));
    return reinterpret_cast<PyObject*>(f);
}

}  // namespace reel::recorder
