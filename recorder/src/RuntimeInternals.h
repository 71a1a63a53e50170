#pragma once
// Facts read from the interpreter's internal state (RuntimeInternals.c, compiled as C).

#include <Python.h>

#ifdef __cplusplus
extern "C" {
#endif

// The interpreter's count of GIL hand-overs from one thread to another (pycore_gil.h: take_gil
// bumps it when the thread taking the lock is not the one that held it last). Its address is
// fixed once the interpreter runs; read it with the GIL held. NULL when the interpreter has no
// GIL state to read.
const unsigned long* reel_gil_switch_counter(void);

// The thread ident of the interpreter's main thread (the one that initialized it; after fork(),
// the child's only thread), as threading.main_thread().ident has it, without importing threading:
// a recorded run must not have modules a plain one lacks (threading binds time.monotonic and
// more at import, so a program patching those first would compute something else).
unsigned long reel_main_thread_ident(void);

// The collector's count of allocations of GC objects since the youngest generation's last
// collection (gc.get_count()[0]); a collection runs when an allocation takes it past the
// threshold. The recorder takes its own allocations back out of it (QuietWeakref.h), so the
// program's collections, and its finalizers, come when they would without Reel. Read and write
// it with the GIL held.
int* reel_gc_young_count(void);

// Calls visit(object, arg) for every object the cyclic collector tracks, until it returns 0
// (PyUnstable_GC_VisitObjects on 3.12+; on 3.11, the generations' lists). `visit` must not
// allocate or free GC objects: collect what it finds and act on it after the walk.
void reel_visit_gc_objects(int (*visit)(PyObject*, void*), void* arg);

#ifdef __cplusplus
}
#endif
