// Placeholder: the recorder extension lands with the recorder issue.
#include <Python.h>

static struct PyModuleDef reelModule = {PyModuleDef_HEAD_INIT, "_reel", nullptr, -1, nullptr};

PyMODINIT_FUNC PyInit__reel(void) {
    PyErr_SetString(PyExc_ImportError, "reel._reel: the recorder is not built yet");
    return nullptr;
}
