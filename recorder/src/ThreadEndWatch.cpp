#include "ThreadEndWatch.h"

#include "Compat.h"
#include "Recorder.h"
#include "SettraceHook.h"

namespace reel::recorder {

namespace {

struct Watch {
    PyObject_HEAD
    uint64_t session;
    uint32_t threadId;
};

void watchDealloc(PyObject* self) {
    auto* w = reinterpret_cast<Watch*>(self);
    // Also reached when the interpreter clears the states of threads that never exited (daemon
    // threads at finalization): the recorder is gone by then, or belongs to another session.
    if (Recorder* rec = hookState().recorder.get(); rec != nullptr && rec->serial() == w->session) {
        PyObject* saved = compat::takeError();
        try {
            rec->onThreadEnd(w->threadId);
        } catch (...) {
            // A lost THREAD_END is not worth failing the thread's exit: the replayer still ends
            // the thread if its ident is reused.
        }
        compat::restoreError(saved);
    }
    PyTypeObject* tp = Py_TYPE(self);
    tp->tp_free(self);
    Py_DECREF(tp);  // heap type: each instance holds a reference to it
}

PyType_Slot kWatchSlots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(watchDealloc)},
    {0, nullptr},
};

PyType_Spec kWatchSpec = {
    "reel._ThreadEndWatch", sizeof(Watch), 0, Py_TPFLAGS_DEFAULT, kWatchSlots,
};

PyTypeObject* watchType() {
    static PyObject* type = nullptr;  // created once, kept for the process
    if (type == nullptr) type = PyType_FromSpec(&kWatchSpec);
    return reinterpret_cast<PyTypeObject*>(type);
}

}  // namespace

bool watchThreadEnd(uint64_t session, uint32_t threadId) {
    PyObject* saved = compat::takeError();
    bool ok = false;
    PyObject* dict = PyThreadState_GetDict();  // borrowed
    PyTypeObject* tp = dict != nullptr ? watchType() : nullptr;
    if (tp != nullptr) {
        auto* w = PyObject_New(Watch, tp);
        if (w != nullptr) {
            w->session = session;
            w->threadId = threadId;
            // Replacing a watch of an earlier session deallocates it: its session check makes
            // that a no-op.
            ok = PyDict_SetItemString(dict, "reel.thread_end", reinterpret_cast<PyObject*>(w)) == 0;
            Py_DECREF(w);
        }
    }
    PyErr_Clear();
    compat::restoreError(saved);
    return ok;
}

}  // namespace reel::recorder
