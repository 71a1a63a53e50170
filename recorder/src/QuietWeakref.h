#pragma once
// The recorder's weakrefs (identities of captured objects, code objects given INSTRUCTION
// events): callback-less, so nothing runs when the referent dies. Made without disturbing the
// program more than a weakref must:
//  - automatic GC is held off around the allocation, so a collection cannot run __del__ or
//    weakref callbacks in the middle of the recorder's work;
//  - the error indicator is kept;
//  - a weakref object we made ourselves is untracked by the GC: it holds no strong reference
//    (no callback), so the collector never needs it, and untracked it does not show in
//    gc.get_objects() (CPython's test_descr counts those around a loop that calls a method for
//    the first time: the method's code object got our weakref there). CPython shares one
//    callback-less weakref per object, so when the program already had one we get it back
//    (reference count above 1) and leave it as it is.
// Returns a new reference, or nullptr (no error set) when the weakref cannot be made.

#include <Python.h>

namespace reel::recorder {

inline PyObject* quietWeakref(PyObject* o) {
    // The raw error state: normalizing a pending exception (compat::takeError on 3.11) could
    // instantiate it, which runs Python code.
#if PY_VERSION_HEX >= 0x030C0000
    PyObject* pending = PyErr_GetRaisedException();
#else
    PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
    PyErr_Fetch(&type, &value, &tb);
#endif
    const int wasEnabled = PyGC_Disable();
    PyObject* ref = PyWeakref_NewRef(o, nullptr);
    if (wasEnabled) PyGC_Enable();
    if (ref == nullptr)
        PyErr_Clear();
    else if (Py_REFCNT(ref) == 1 && PyObject_GC_IsTracked(ref))
        PyObject_GC_UnTrack(ref);
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(pending);
#else
    PyErr_Restore(type, value, tb);
#endif
    return ref;
}

}  // namespace reel::recorder
