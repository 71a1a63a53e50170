#pragma once
// Thread end, as it happens. CPython has no event for a finishing thread; what it does do is
// clear the thread state's dict (PyThreadState_GetDict) while the thread still holds the GIL on
// its way out. A small object of ours placed there is deallocated at that moment and tells the
// recorder, which writes THREAD_END at the right place in the event order.

#include <Python.h>

#include <cstdint>

namespace reel::recorder {

// Called once per recorded thread, on that thread, with the GIL held. `session` is the
// recorder's serial, so a watch left by an earlier recording (or outliving this one) does
// nothing. Never leaves a Python exception set; returns false when the watch could not be set
// (the thread's end is then written only if its ident is reused, as before).
bool watchThreadEnd(uint64_t session, uint32_t threadId);

}  // namespace reel::recorder
