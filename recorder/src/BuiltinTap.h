#pragma once
// The builtins that stand in for a function of the program's while recording (os.write in
// OutputTap.cpp, sys.settrace in SettraceHook.cpp): C functions with the real one's name,
// signature and doc under its module's name, so no frame shows to a tracer, a profiler or a
// traceback, and help()/inspect.signature() agree.

#include <Python.h>

namespace reel::recorder {

// Keeps `real` in `slot` (a strong reference for the interpreter's lifetime; a second call
// retargets the tap) and returns a builtin made from `def`, reporting `module` as its module.
// `factory` and `realName` name both in the TypeError for a `real` that is not callable.
inline PyObject* makeBuiltinTap(PyObject* real, PyObject*& slot, PyMethodDef* def,
                                const char* module, const char* factory, const char* realName) {
    if (!PyCallable_Check(real)) {
        PyErr_Format(PyExc_TypeError, "reel: %s needs the real %s", factory, realName);
        return nullptr;
    }
    Py_INCREF(real);
    Py_XSETREF(slot, real);
    PyObject* moduleName = PyUnicode_FromString(module);
    if (!moduleName) return nullptr;
    PyObject* tap = PyCFunction_NewEx(def, nullptr, moduleName);
    Py_DECREF(moduleName);
    return tap;
}

}  // namespace reel::recorder
