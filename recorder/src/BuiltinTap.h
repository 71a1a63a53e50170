#pragma once
// The builtins that stand in for a function of the program's while recording (os.write in
// OutputTap.cpp, sys.settrace in SettraceHook.cpp): C functions with the real one's name, doc
// and text signature under its module's name, so no frame shows to a tracer, a profiler or a
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
    // The real builtin's own doc, which is also where its text signature comes from (both
    // differ between CPython versions: sys.settrace has none before 3.13), and its __self__
    // (the module, which a "$module" signature binds). Its PyMethodDef is static in CPython, so
    // the doc pointer stays valid; the tap ignores its self.
    PyObject* self = nullptr;
    if (PyCFunction_Check(real)) {
        const char* doc = reinterpret_cast<PyCFunctionObject*>(real)->m_ml->ml_doc;
        if (doc != nullptr) def->ml_doc = doc;
        self = PyCFunction_GET_SELF(real);
    }
    PyObject* moduleName = PyUnicode_FromString(module);
    if (!moduleName) return nullptr;
    PyObject* tap = PyCFunction_NewEx(def, self, moduleName);
    Py_DECREF(moduleName);
    return tap;
}

}  // namespace reel::recorder
