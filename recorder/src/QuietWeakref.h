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
//    (reference count above 1) and leave it as it is;
//  - the allocation is taken back out of the collector's allocation count, and so is the
//    deallocation when we drop the last reference (releaseQuietWeakref): the program's
//    collections, and the finalizers of its cyclic garbage, run where they would without us.
// Returns a new reference, or nullptr (no error set) when the weakref cannot be made.

#include <Python.h>

#include "RuntimeInternals.h"

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
    else if (Py_REFCNT(ref) == 1 && PyObject_GC_IsTracked(ref)) {
        PyObject_GC_UnTrack(ref);
        int* count = reel_gc_young_count();
        if (*count > 0) --*count;
    }
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(pending);
#else
    PyErr_Restore(type, value, tb);
#endif
    return ref;
}

// Drops a reference quietWeakref returned and clears `ref`. When it was the last one, the
// collector's allocation count is put back where the deallocation took it from.
inline void releaseQuietWeakref(PyObject*& ref) {
    if (ref == nullptr) return;
    PyObject* r = ref;
    ref = nullptr;
    int* count = reel_gc_young_count();
    const int before = *count;
    const bool ours = Py_REFCNT(r) == 1 && !PyObject_GC_IsTracked(r);
    Py_DECREF(r);
    if (ours && *count < before) *count = before;
}

}  // namespace reel::recorder
