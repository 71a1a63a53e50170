#pragma once
// Testing hook: capture one object with a fresh ValueCapture and return the decoded records as
// plain Python data, so tests/python/test_values.py can check value capture from Python.
// Registered by the module as reel._reel._capture_for_testing(obj, max_depth=4, max_items=64,
// max_str=256).

#include <Python.h>

#include "ValueCapture.h"

namespace reel::recorder {

// New reference, or NULL with a Python exception set. The result is a dict:
//   {"value": NODE, "types": [TYPE...], "records": int, "failures": int}
// NODE is {"kind": "int", "value": int} / {"kind": "const", "value": "None"|"True"|...} for
// inline refs, else {"kind": <record kind>, "id": record id, ...fields} (see the .cpp). The same
// record referenced twice is the same dict object.
PyObject* reelCaptureForTesting(PyObject* obj, CaptureLimits limits);

// Captures every object an iterator yields with ONE ValueCapture, so identities and record ids
// can be compared across captures (aliasing over time, address reuse after an object died, the
// same ref for an unchanged object). Python code runs only between captures (the iterator's
// next()), never during one; the reference to each object is released before the next one is
// requested. Returns {"values": [NODE...], "types": [...], "records": int, "failures": int}.
// Registered as reel._reel._capture_sequence_for_testing(iterable, max_depth=4, max_items=64,
// max_str=256).
PyObject* reelCaptureSequenceForTesting(PyObject* iterable, CaptureLimits limits);

// Exactness of ValueCapture::recapture: for each object an iterator yields (typically the same
// object, mutated by the iterator between steps), recapture(obj, previous ref, shape) and then a
// plain capture(obj) with the same ValueCapture. Returns a list of {"same": recapture's ref ==
// capture's ref, "hit": the shape answered (no capture), "changed": ref != previous ref}.
// Registered as reel._reel._recapture_for_testing(iterable).
PyObject* reelRecaptureForTesting(PyObject* iterable, CaptureLimits limits);

// ValueCapture::mayMutate(obj) as a Python bool. Registered as
// reel._reel._may_mutate_for_testing(obj).
PyObject* reelMayMutateForTesting(PyObject* obj);

}  // namespace reel::recorder
