#include "OutputTap.h"

#include <algorithm>
#include <exception>

#include "BuiltinTap.h"
#include "SettraceHook.h"

namespace reel::recorder {

namespace {

PyObject* gRealWrite = nullptr;  // strong reference, kept for the interpreter's lifetime

// Records (fd, data[:written]) for os.write when a recording runs: only an exact int fd (an
// index-like object would run its __index__ again), and only fd 1 or 2.
void recordWrite(PyObject* fdObj, PyObject* data, PyObject* result) {
    if (!hookState().recorder || !PyLong_CheckExact(fdObj)) return;
    long fd = PyLong_AsLong(fdObj);
    if (fd == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return;
    }
    if (fd == 1 || fd == 2) recordBytesWritten(static_cast<int>(fd), data, result);
}

PyObject* osWriteTap(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (gRealWrite == nullptr) {
        PyErr_SetString(PyExc_RuntimeError, "reel: os.write tap without the real os.write");
        return nullptr;
    }
    // Argument errors, EINTR retries, signals and the GIL release all happen in the real one.
    PyObject* result = PyObject_Vectorcall(gRealWrite, args, static_cast<size_t>(nargs), nullptr);
    if (result != nullptr && nargs == 2) recordWrite(args[0], args[1], result);
    return result;
}

// Same name as posix.write; makeBuiltinTap gives it the real one's doc and text signature (the
// doc here is for a real os.write that is not a builtin).
PyMethodDef gTapDef = {
    "write", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(osWriteTap)), METH_FASTCALL,
    "write(fd, data, /)\n--\n\nWrite a bytes object to a file descriptor."};

}  // namespace

void recordBytesWritten(int fd, PyObject* data, PyObject* result) {
    HookState& hs = hookState();
    if (!hs.recorder || result == nullptr || !PyLong_CheckExact(result)) return;
    Py_ssize_t written = PyLong_AsSsize_t(result);
    if (written <= 0) {
        PyErr_Clear();
        return;
    }
    if (!PyBytes_Check(data) && !PyByteArray_Check(data) && !PyMemoryView_Check(data)) return;
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        PyErr_Clear();
        return;
    }
    recordOutput(fd, static_cast<const char*>(view.buf),
                 static_cast<size_t>(std::min(written, view.len)));
    PyBuffer_Release(&view);
}

void recordOutput(int fd, const char* data, size_t len) {
    HookState& hs = hookState();
    if (!hs.recorder) return;
    try {
        hs.recorder->onOutput(fd, data, len);
    } catch (const std::exception& e) {
        internalError(e);
    } catch (...) {
        internalError("unknown exception recording output");
    }
}

PyObject* makeOsWriteTap(PyObject*, PyObject* realWrite) {
    return makeBuiltinTap(realWrite, gRealWrite, &gTapDef, "posix", "_make_os_write",
                          "os.write");
}

}  // namespace reel::recorder
