#pragma once
// The recorder's weakrefs (identities of captured objects, code objects given INSTRUCTION
// events): callback-less, so nothing runs when the referent dies. Made without disturbing the
// program more than a weakref must:
//  - a proxy (weakref.proxy), not a weakref.ref: CPython shares one callback-less ref per
//    object, so the program's `weakref.ref(obj)` returned ours, alive as long as the identity and
//    with the referent's hash cached in it, and the program's next `ref(obj) in some_set`
//    (WeakSet.__contains__) did not call `obj.__hash__` as a plain run does
//    (tests/stdlib/cli_abc_enum.py). A proxy is shared the same way but caches nothing (it is
//    unhashable); it is cleared at the referent's death as the shared ref is, with no tuple of
//    callbacks made (a private subtype of weakref.ref would be: on 3.13 that allocation moved
//    the collector's count);
//  - automatic GC is held off around the allocation, so a collection cannot run __del__ or
//    weakref callbacks in the middle of the recorder's work;
//  - the error indicator is kept;
//  - a proxy we made ourselves is untracked by the GC: it holds no strong reference (no
//    callback), so the collector never needs it, and untracked it does not show in
//    gc.get_objects() (CPython's test_descr counts those around a loop that calls a method for
//    the first time: the method's code object got our weakref there). When the program already
//    had a callback-less proxy we get it back (reference count above 1) and leave it as it is;
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
    PyObject* ref = PyWeakref_NewProxy(o, nullptr);
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
