#include "AsyncGenHookForwarder.h"

#include <structmember.h>

#include <exception>

#include "BuiltinTap.h"
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
                internalError(e);
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

PyObject* newForwarder(int kind, PyObject* original) {
    auto* f = PyObject_GC_New(Forwarder, reinterpret_cast<PyTypeObject*>(gForwarderType));
    if (f == nullptr) return nullptr;
    f->kind = kind;
    f->original = Py_NewRef(original);
    PyObject_GC_Track(reinterpret_cast<PyObject*>(f));
    return reinterpret_cast<PyObject*>(f);
}

// By exact type: a hook object's own __getattr__ must not run.
PyObject* unwrap(PyObject* hook) {
    return Py_IS_TYPE(hook, reinterpret_cast<PyTypeObject*>(gForwarderType))
               ? reinterpret_cast<Forwarder*>(hook)->original
               : hook;
}

// The real sys.set_asyncgen_hooks/get_asyncgen_hooks, strong references kept for the
// interpreter's lifetime (the taps may outlive a recording in a saved reference).
PyObject* gRealSet = nullptr;
PyObject* gRealGet = nullptr;

// The current thread's hooks as the real getter gives them (new reference to the struct
// sequence), or nullptr with an exception set.
PyObject* realHooks() {
    if (gRealGet == nullptr || gRealSet == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, "reel: asyncgen hook tap without the real hooks");
        return nullptr;
    }
    PyObject* hooks = PyObject_CallNoArgs(gRealGet);
    if (hooks != nullptr && !(PyTuple_Check(hooks) && PyTuple_GET_SIZE(hooks) == 2)) {
        PyErr_SetString(PyExc_RuntimeError, "reel: sys.get_asyncgen_hooks gave no pair");
        Py_CLEAR(hooks);
    }
    return hooks;
}

// Installs forwarders around the current thread's hooks: firstiter always, the finalizer only
// when one is set (inventing one would change how CPython finalizes abandoned generators).
PyObject* wrapCurrentHooks() {
    PyObject* hooks = realHooks();
    if (hooks == nullptr) return nullptr;
    PyObject* first = newForwarder(0, unwrap(PyTuple_GET_ITEM(hooks, 0)));
    PyObject* fin = PyTuple_GET_ITEM(hooks, 1) == Py_None
                        ? Py_NewRef(Py_None)
                        : newForwarder(1, unwrap(PyTuple_GET_ITEM(hooks, 1)));
    Py_DECREF(hooks);
    PyObject* result = nullptr;
    PyObject* kwargs = first && fin ? Py_BuildValue("{sOsO}", "firstiter", first, "finalizer", fin)
                                    : nullptr;
    PyObject* noArgs = kwargs ? PyTuple_New(0) : nullptr;
    if (noArgs) result = PyObject_Call(gRealSet, noArgs, kwargs);
    Py_XDECREF(noArgs);
    Py_XDECREF(kwargs);
    Py_XDECREF(first);
    Py_XDECREF(fin);
    return result;
}

PyObject* setHooksTap(PyObject*, PyObject* args, PyObject* kwargs) {
    if (gRealSet == nullptr) return realHooks();  // the error
    // The interpreter's own validation, errors and semantics (an argument left out keeps that
    // hook), then whatever is now installed gets wrapped.
    PyObject* r = PyObject_Call(gRealSet, args, kwargs);
    if (r == nullptr) return nullptr;
    Py_DECREF(r);
    return wrapCurrentHooks();
}

PyObject* getHooksTap(PyObject*, PyObject*) {
    PyObject* hooks = realHooks();
    if (hooks == nullptr) return nullptr;
    // The same struct sequence type, holding what the program installed.
    PyObject* pair = PyTuple_Pack(2, unwrap(PyTuple_GET_ITEM(hooks, 0)),
                                  unwrap(PyTuple_GET_ITEM(hooks, 1)));
    PyObject* result = pair ? PyObject_CallOneArg(reinterpret_cast<PyObject*>(Py_TYPE(hooks)), pair)
                            : nullptr;
    Py_XDECREF(pair);
    Py_DECREF(hooks);
    return result;
}

// Same names as the real ones; makeBuiltinTap gives them the real ones' docs and text
// signatures (3.13 has them; inspect.signature must agree with a plain run).
PyMethodDef gSetHooksDef = {
    "set_asyncgen_hooks", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(setHooksTap)),
    METH_VARARGS | METH_KEYWORDS, "Set a finalizer for async generators objects."};
PyMethodDef gGetHooksDef = {"get_asyncgen_hooks", getHooksTap, METH_NOARGS,
                            "Return the installed asynchronous generators hooks."};

}  // namespace

PyObject* makeAsyncGenHookTaps(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError,
                        "_make_asyncgen_hooks(real_set_asyncgen_hooks, real_get_asyncgen_hooks)");
        return nullptr;
    }
    if (gForwarderType == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, "_make_asyncgen_hooks: the module is not initialized");
        return nullptr;
    }
    PyObject* get = makeBuiltinTap(args[1], gRealGet, &gGetHooksDef, "sys",
                                   "_make_asyncgen_hooks", "sys.get_asyncgen_hooks");
    if (get == nullptr) return nullptr;
    PyObject* set = makeBuiltinTap(args[0], gRealSet, &gSetHooksDef, "sys",
                                   "_make_asyncgen_hooks", "sys.set_asyncgen_hooks");
    if (set == nullptr) {
        Py_DECREF(get);
        return nullptr;
    }
    PyObject* result = PyTuple_Pack(2, set, get);
    Py_DECREF(set);
    Py_DECREF(get);
    return result;
}

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
    return newForwarder(static_cast<int>(kind), args[1]);
}

}  // namespace reel::recorder
