#pragma once
// The calling thread's PyThreadState on 3.12+, which every sys.monitoring callback reads (the
// frame an event is about is only in it). CPython keeps it in libpython's thread-local
// `_Py_tss_tstate`; read from a shared library, through `_PyThreadState_UncheckedGet`, that is a
// call into libpython and one into ld.so (`__tls_get_addr`), about 20 instructions per event
// (2% of recording bench/workloads/loop.py). The variable's address in a thread never changes, so
// it is found once per thread and read directly after:
//  - once per process (`init`, GIL held): the ELF object defining the getter (libpython, or the
//    executable of a static build) and its TLS module (dl_iterate_phdr), and the one word of the
//    calling thread's block of that module that holds the current thread state: the offset of
//    `_Py_tss_tstate` in the module (a scan, kept only when exactly one word matches);
//  - once per thread (`slowGet`): that word's address there (`__tls_get_addr`), kept only if it
//    holds what the getter returns.
// x86-64 glibc only; elsewhere, or when a check fails, the getter is called at every read.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace reel::recorder::tstate {

// Finds the module and offset (first call only). Returns whether direct reads are possible.
bool init();
// The current thread state through CPython's getter; makes the next reads direct when `init`
// succeeded and this thread's slot checks out.
PyThreadState* slowGet();
// This thread's slot (nullptr until slowGet found it). __thread: no C++ initialisation wrapper
// on each access, and initial-exec: no call into ld.so.
extern __thread PyThreadState** tlSlot __attribute__((tls_model("initial-exec")));

[[gnu::always_inline]] inline PyThreadState* current() {
    PyThreadState** slot = tlSlot;
    return slot != nullptr ? *slot : slowGet();
}

// Whether reads in the calling thread are direct (tests).
inline bool direct() { return tlSlot != nullptr; }

}  // namespace reel::recorder::tstate
