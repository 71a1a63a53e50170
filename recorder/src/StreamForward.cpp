#include "StreamForward.h"

#include <structmember.h>

#include <utility>

#include "OutputTap.h"
#include "SettraceHook.h"

namespace reel::recorder {

namespace {

struct StreamForward {
    PyObject_HEAD
    PyObject* stream;  // what this stands for (member _stream, registered by reel._stand_in)
    PyObject* buffer;  // text: the bytes stand-in last made over stream.buffer, or NULL
    int fd;            // 1 or 2
    int text;          // 1: over a text stream; 0: over its binary buffer
};

PyObject* gType = nullptr;  // made once and kept for the process (stand-ins outlive recordings)
// Interned names, made with the type.
PyObject* gWrite = nullptr;
PyObject* gEnter = nullptr;
PyObject* gExit = nullptr;
PyObject* gBuffer = nullptr;

StreamForward* asForward(PyObject* o) { return reinterpret_cast<StreamForward*>(o); }

PyObject* newForward(PyObject* stream, int fd, int text) {
    auto* f = PyObject_GC_New(StreamForward, reinterpret_cast<PyTypeObject*>(gType));
    if (f == nullptr) return nullptr;
    f->stream = Py_NewRef(stream);
    f->buffer = nullptr;
    f->fd = fd;
    f->text = text;
    PyObject_GC_Track(reinterpret_cast<PyObject*>(f));
    return reinterpret_cast<PyObject*>(f);
}

// Records s[:n] of a text write, encoded as the stream encodes it, when a recording runs and s
// is exactly a str (a subclass's slicing could run its code). The stream's `encoding` and
// `errors` are read as attributes, as the stream's own users read them. Never raises.
void recordText(StreamForward* self, PyObject* s, PyObject* n) {
    if (!hookState().recorder || !PyUnicode_CheckExact(s)) return;
    PyObject* text = nullptr;
    if (PyLong_Check(n)) {
        Py_ssize_t len = PyUnicode_GET_LENGTH(s);
        Py_ssize_t k = PyLong_AsSsize_t(n);
        if (k == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            k = len;  // s[:huge] is s
        }
        if (k < 0) k = k + len < 0 ? 0 : k + len;  // s[:n] of a negative n, as Python slices
        text = PyUnicode_Substring(s, 0, k < len ? k : len);
    } else {
        text = Py_NewRef(s);
    }
    auto attr = [&](const char* name, const char* fallback) -> PyObject* {
        PyObject* v = PyObject_GetAttrString(self->stream, name);
        if (v == nullptr) PyErr_Clear();
        if (v == nullptr || v == Py_None || (PyUnicode_Check(v) && PyUnicode_GET_LENGTH(v) == 0)) {
            Py_XDECREF(v);
            return PyUnicode_FromString(fallback);
        }
        return v;
    };
    PyObject* encoding = text ? attr("encoding", "utf-8") : nullptr;
    PyObject* errors = encoding ? attr("errors", "strict") : nullptr;
    if (errors && PyUnicode_Check(encoding) && PyUnicode_Check(errors)) {
        const char* enc = PyUnicode_AsUTF8(encoding);
        const char* err = enc ? PyUnicode_AsUTF8(errors) : nullptr;
        PyObject* data = err ? PyUnicode_AsEncodedString(text, enc, err) : nullptr;
        if (data != nullptr && PyBytes_Check(data))
            recordOutput(self->fd, PyBytes_AS_STRING(data),
                         static_cast<size_t>(PyBytes_GET_SIZE(data)));
        Py_XDECREF(data);
    }
    Py_XDECREF(errors);
    Py_XDECREF(encoding);
    Py_XDECREF(text);
    PyErr_Clear();  // recording output never breaks the program's own write
}

PyObject* forwardWrite(PyObject* selfObj, PyObject* arg) {
    StreamForward* self = asForward(selfObj);
    PyObject* n = PyObject_CallMethodOneArg(self->stream, gWrite, arg);
    if (n == nullptr) return nullptr;
    if (self->text)
        recordText(self, arg, n);
    else
        recordBytesWritten(self->fd, arg, n);
    return n;
}

PyObject* forwardWritelines(PyObject* self, PyObject* lines) {
    // As io.IOBase.writelines does it, but through our write so each piece is recorded.
    PyObject* it = PyObject_GetIter(lines);
    if (it == nullptr) return nullptr;
    while (PyObject* line = PyIter_Next(it)) {
        PyObject* r = forwardWrite(self, line);
        Py_DECREF(line);
        if (r == nullptr) {
            Py_DECREF(it);
            return nullptr;
        }
        Py_DECREF(r);
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) return nullptr;
    Py_RETURN_NONE;
}

PyObject* forwardEnter(PyObject* selfObj, PyObject*) {
    StreamForward* self = asForward(selfObj);
    if (!self->text) {
        PyObject* r = PyObject_CallMethodNoArgs(self->stream, gEnter);
        if (r == nullptr) return nullptr;
        Py_DECREF(r);
    }
    return Py_NewRef(selfObj);
}

PyObject* forwardExit(PyObject* selfObj, PyObject* args) {
    PyObject* exit = PyObject_GetAttr(asForward(selfObj)->stream, gExit);
    if (exit == nullptr) return nullptr;
    PyObject* r = PyObject_Call(exit, args, nullptr);
    Py_DECREF(exit);
    return r;
}

// `buffer` of a text stand-in: a bytes stand-in over the stream's buffer, kept while that is
// the same object. Reading stream.buffer raises as the real one does (after detach()).
PyObject* textBuffer(StreamForward* self) {
    PyObject* raw = PyObject_GetAttr(self->stream, gBuffer);
    if (raw == nullptr) return nullptr;
    if (self->buffer == nullptr || asForward(self->buffer)->stream != raw) {
        PyObject* wrapped = newForward(raw, self->fd, 0);
        if (wrapped == nullptr) {
            Py_DECREF(raw);
            return nullptr;
        }
        Py_XSETREF(self->buffer, wrapped);
    }
    Py_DECREF(raw);
    return Py_NewRef(self->buffer);
}

// The stand-in's own attributes (its methods, `_stream`, object's), then the stream's: what a
// Python class with __getattr__ forwarding would answer, without its frames.
PyObject* forwardGetattro(PyObject* selfObj, PyObject* name) {
    StreamForward* self = asForward(selfObj);
    if (PyUnicode_Check(name)) {
        if (PyUnicode_CompareWithASCIIString(name, "__class__") == 0)
            return Py_NewRef(reinterpret_cast<PyObject*>(Py_TYPE(self->stream)));
        if (self->text && PyUnicode_CompareWithASCIIString(name, "buffer") == 0)
            return textBuffer(self);
    }
    PyObject* r = PyObject_GenericGetAttr(selfObj, name);
    if (r != nullptr || !PyErr_ExceptionMatches(PyExc_AttributeError)) return r;
    PyErr_Clear();
    return PyObject_GetAttr(self->stream, name);
}

int forwardSetattro(PyObject* self, PyObject* name, PyObject* value) {
    return PyObject_SetAttr(asForward(self)->stream, name, value);  // value NULL: deletion
}

PyObject* forwardIter(PyObject* self) { return PyObject_GetIter(asForward(self)->stream); }

PyObject* forwardRepr(PyObject* self) { return PyObject_Repr(asForward(self)->stream); }

int forwardTraverse(PyObject* self, visitproc visit, void* arg) {
    Py_VISIT(asForward(self)->stream);
    Py_VISIT(asForward(self)->buffer);
    Py_VISIT(Py_TYPE(self));
    return 0;
}

int forwardClear(PyObject* self) {
    Py_CLEAR(asForward(self)->stream);
    Py_CLEAR(asForward(self)->buffer);
    return 0;
}

void forwardDealloc(PyObject* self) {
    PyTypeObject* tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    forwardClear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

PyMethodDef forwardMethods[] = {
    {"write", forwardWrite, METH_O, "Forwards to the stream's write, then records what it took."},
    {"writelines", forwardWritelines, METH_O, "Writes each item through write."},
    {"__enter__", forwardEnter, METH_NOARGS, nullptr},
    {"__exit__", forwardExit, METH_VARARGS, nullptr},
    {nullptr, nullptr, 0, nullptr}};

PyMemberDef forwardMembers[] = {
    {"_stream", T_OBJECT_EX, offsetof(StreamForward, stream), READONLY,
     "the stream this stands for"},
    {nullptr, 0, 0, 0, nullptr}};

PyType_Slot forwardSlots[] = {
    {Py_tp_getattro, reinterpret_cast<void*>(forwardGetattro)},
    {Py_tp_setattro, reinterpret_cast<void*>(forwardSetattro)},
    {Py_tp_iter, reinterpret_cast<void*>(forwardIter)},
    {Py_tp_repr, reinterpret_cast<void*>(forwardRepr)},
    {Py_tp_traverse, reinterpret_cast<void*>(forwardTraverse)},
    {Py_tp_clear, reinterpret_cast<void*>(forwardClear)},
    {Py_tp_dealloc, reinterpret_cast<void*>(forwardDealloc)},
    {Py_tp_methods, forwardMethods},
    {Py_tp_members, forwardMembers},
    {0, nullptr}};

PyType_Spec forwardSpec = {"_reel.StreamForward", sizeof(StreamForward), 0,
                           Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, forwardSlots};

}  // namespace

PyObject* streamForwardType() {
    if (gType == nullptr) {
        for (auto [slot, name] : {std::pair{&gWrite, "write"}, std::pair{&gEnter, "__enter__"},
                                  std::pair{&gExit, "__exit__"}, std::pair{&gBuffer, "buffer"}})
            if (*slot == nullptr && (*slot = PyUnicode_InternFromString(name)) == nullptr)
                return nullptr;
        gType = PyType_FromSpec(&forwardSpec);
        if (gType == nullptr) return nullptr;
    }
    return Py_NewRef(gType);
}

PyObject* makeStreamForward(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_stream_forward(stream, fd, text)");
        return nullptr;
    }
    const long fd = PyLong_AsLong(args[1]);
    if (fd == -1 && PyErr_Occurred()) return nullptr;
    const int text = PyObject_IsTrue(args[2]);
    if (text < 0) return nullptr;
    if (gType == nullptr) {
        PyObject* t = streamForwardType();
        if (t == nullptr) return nullptr;
        Py_DECREF(t);
    }
    return newForward(args[0], static_cast<int>(fd), text);
}

}  // namespace reel::recorder
