#include "SignalTap.h"

#include "BuiltinTap.h"

namespace reel::recorder {

namespace {

// Strong references, kept for the interpreter's lifetime (the handler outlives the recording: a
// forked child, or a SIGTERM after the trace is closed, still runs it).
PyObject* gRealSignal = nullptr;
PyObject* gRealGetsignal = nullptr;
PyObject* gHandler = nullptr;
PyObject* gDefault = nullptr;
long gDefaultValue = 0;  // gDefault's value, read once
long gSignum = 0;

// The value of the int `obj`, read directly (never calling __index__); false when it does not
// fit a long.
bool longValue(PyObject* obj, long& out) {
    int overflow = 0;
    out = PyLong_AsLongAndOverflow(obj, &overflow);
    if (out == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return false;
    }
    return overflow == 0;
}

// `obj` is an int (or int subclass: signal.Signals) equal to `value` (__index__ runs only for
// non-ints, which do not match).
bool intEquals(PyObject* obj, long value) {
    long v = 0;
    return PyLong_Check(obj) && longValue(obj, v) && v == value;
}

// What the program asks for: the default disposition, as the real setter recognizes it (an
// exact int equal to SIG_DFL; signal.signal has turned Handlers.SIG_DFL into one already).
bool isDefault(PyObject* handler) {
    return gDefault != nullptr && PyLong_CheckExact(handler) && intEquals(handler, gDefaultValue);
}

// The handler the program sees in place of `result` (a new reference, or NULL with an error).
PyObject* seen(PyObject* result) {
    if (result != nullptr && result == gHandler) {
        Py_DECREF(result);
        return Py_NewRef(gDefault);
    }
    return result;
}

PyObject* signalTap(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (gRealSignal == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, "reel: signal.signal tap without the real one");
        return nullptr;
    }
    if (nargs == 2 && intEquals(args[0], gSignum) && isDefault(args[1])) {
        PyObject* mine[2] = {args[0], gHandler};
        return seen(PyObject_Vectorcall(gRealSignal, mine, 2, nullptr));
    }
    return seen(PyObject_Vectorcall(gRealSignal, args, static_cast<size_t>(nargs), nullptr));
}

PyObject* getsignalTap(PyObject*, PyObject* signum) {
    if (gRealGetsignal == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, "reel: signal.getsignal tap without the real one");
        return nullptr;
    }
    return seen(PyObject_CallOneArg(gRealGetsignal, signum));
}

// Same names as _signal's; makeBuiltinTap gives them the real ones' docs and text signatures.
PyMethodDef gSignalDef = {
    "signal", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(signalTap)),
    METH_FASTCALL, "Set the action for the given signal."};
PyMethodDef gGetsignalDef = {"getsignal", getsignalTap, METH_O,
                             "Return the current action for the given signal."};

}  // namespace

PyObject* makeSignalTaps(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 5 || !PyLong_Check(args[3]) || !PyLong_CheckExact(args[4])) {
        PyErr_SetString(PyExc_TypeError,
                        "_make_signal_taps(real_signal, real_getsignal, handler, signum, SIG_DFL)");
        return nullptr;
    }
    long signum = 0, dfl = 0;
    if (!longValue(args[3], signum) || !longValue(args[4], dfl)) {
        PyErr_SetString(PyExc_ValueError, "_make_signal_taps: bad signal number or SIG_DFL");
        return nullptr;
    }
    PyObject* setter = makeBuiltinTap(args[0], gRealSignal, &gSignalDef, "_signal",
                                      "_make_signal_taps", "signal.signal");
    if (setter == nullptr) return nullptr;
    PyObject* getter = makeBuiltinTap(args[1], gRealGetsignal, &gGetsignalDef, "_signal",
                                      "_make_signal_taps", "signal.getsignal");
    if (getter == nullptr) {
        Py_DECREF(setter);
        return nullptr;
    }
    Py_XSETREF(gHandler, Py_NewRef(args[2]));
    Py_XSETREF(gDefault, Py_NewRef(args[4]));
    gDefaultValue = dfl;
    gSignum = signum;
    PyObject* result = PyTuple_Pack(2, setter, getter);
    Py_DECREF(setter);
    Py_DECREF(getter);
    return result;
}

}  // namespace reel::recorder
