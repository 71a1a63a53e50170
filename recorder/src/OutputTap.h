#pragma once
// Output that bypasses sys.stdout/sys.stderr: os.write(1 or 2, ...). reel/_output.py replaces
// os.write by the builtin made here, which forwards to the real os.write and records what reached
// fd 1 or 2. It is a C builtin (not a Python wrapper) so the program sees the same return values,
// exceptions and tracebacks (no extra frame), signature and name as with the real os.write.

#include "Compat.h"

namespace reel::recorder {

// _reel._make_os_write(real_write) -> a builtin named "write" (module "posix") that forwards to
// real_write. Only one tap exists: a second call retargets it.
PyObject* makeOsWriteTap(PyObject* self, PyObject* realWrite);

// Records what a write of `data` to fd 1 or 2 that returned `result` wrote (data[:result]), when
// a recording runs: only for a bytes, bytearray or contiguous memoryview and an int result > 0.
// Never raises; an error of the recorder's stops the recording (internalError).
void recordBytesWritten(int fd, PyObject* data, PyObject* result);
// Records `len` bytes written to fd 1 or 2, when a recording runs. Never raises.
void recordOutput(int fd, const char* data, size_t len);

}  // namespace reel::recorder
