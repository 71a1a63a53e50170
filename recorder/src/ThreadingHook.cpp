#include "ThreadingHook.h"

#include "StrDict.h"

namespace reel::recorder {

namespace {

PyObject* gEntry = nullptr;  // strong reference while armed

void disarm() {
    Py_CLEAR(gEntry);
}

}  // namespace

PyObject* armThreadingHook(PyObject*, PyObject* entry) {
    disarm();
    if (entry != Py_None) {
        Py_INCREF(entry);
        gEntry = entry;
    }
    Py_RETURN_NONE;
}

void noteFirstSight(PyCodeObject* code) {
    if (gEntry == nullptr) return;
    if (!PyUnicode_Check(code->co_qualname) || !strEqualsAscii(code->co_qualname, "Thread.start"))
        return;
    // A class named Thread elsewhere may have a start method too: the hook goes in only once the
    // threading module is in sys.modules, whoever's Thread.start this is.
    PyObject* threading = dictFindStr(PyImport_GetModuleDict(), "threading");
    if (threading == nullptr || !PyModule_Check(threading)) return;
    PyObject* dict = PyModule_GetDict(threading);  // borrowed, never NULL for a module
    PyObject* current = dictFindStr(dict, "_trace_hook");
    // Only where threading.settrace was never called: a hook the program set wins, as it would
    // if it had called threading.settrace after recording started.
    if (current == Py_None) {
        PyObject* saved = compat::takeError();
        if (PyDict_SetItemString(dict, "_trace_hook", gEntry) < 0) PyErr_Clear();
        compat::restoreError(saved);
    }
    disarm();
}

}  // namespace reel::recorder
