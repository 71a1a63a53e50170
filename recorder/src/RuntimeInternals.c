/* Facts read from the interpreter's internal state. A C file of its own: CPython 3.12's internal
 * interpreter header (pycore_interp.h) uses C11 atomics that C++ cannot compile. */
#define PY_SSIZE_T_CLEAN
#define Py_BUILD_CORE 1 /* before Python.h: the internal headers redeclare some of its API */
#include <Python.h>

#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>

#include "RuntimeInternals.h"

const unsigned long* reel_gil_switch_counter(void) {
#if PY_VERSION_HEX >= 0x030C0000
    PyInterpreterState* interp = PyInterpreterState_Get();
    return interp->ceval.gil != NULL ? &interp->ceval.gil->switch_number : NULL;
#else
    return &_PyRuntime.ceval.gil.switch_number;
#endif
}

unsigned long reel_main_thread_ident(void) {
    return _PyRuntime.main_thread;
}

int* reel_gc_young_count(void) {
    PyInterpreterState* interp = PyInterpreterState_Get();
    return &interp->gc.generations[0].count;
}

void reel_visit_gc_objects(int (*visit)(PyObject*, void*), void* arg) {
#if PY_VERSION_HEX >= 0x030C0000
    PyUnstable_GC_VisitObjects(visit, arg);
#else
    /* What 3.12's PyUnstable_GC_VisitObjects does: each generation is a circular list through
     * the PyGC_Head before each object, whose _gc_next is a plain pointer outside a collection. */
    struct _gc_runtime_state* gc = &PyInterpreterState_Get()->gc;
    for (int i = 0; i <= NUM_GENERATIONS; ++i) {
        PyGC_Head* head =
            i < NUM_GENERATIONS ? &gc->generations[i].head : &gc->permanent_generation.head;
        for (PyGC_Head* g = (PyGC_Head*)head->_gc_next; g != head;
             g = (PyGC_Head*)g->_gc_next)
            if (!visit((PyObject*)(g + 1), arg)) return;
    }
#endif
}
