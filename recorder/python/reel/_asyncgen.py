"""Observing async generator hook calls without changing them.

sys.set_asyncgen_hooks/sys.get_asyncgen_hooks are replaced while recording: hooks the program
(or asyncio) installs are wrapped by forwarding callables that first tell the recorder
(ASYNCGEN_HOOK records), while the getter keeps returning the originals, so code that saves and
restores hooks (asyncio's event loop does) sees exactly what it installed. firstiter is always
wrapped; the finalizer only when one is set (inventing a finalizer would change how CPython
finalizes abandoned async generators). Hooks are per thread: the current thread's are wrapped at
start, other threads' when they call set_asyncgen_hooks. The stand-ins and the forwarders are C
callables (recorder/src/AsyncGenHookForwarder.h): no frame a tracer, profiler or traceback could
see, and the real functions' docs and signatures."""

import sys

from . import _reel

_orig = None  # (real set_asyncgen_hooks, real get_asyncgen_hooks) while installed
_taps = None  # their stand-ins


def install():
    global _orig, _taps
    if _orig is not None:
        return
    _orig = (sys.set_asyncgen_hooks, sys.get_asyncgen_hooks)
    _taps = _reel._make_asyncgen_hooks(*_orig)
    _taps[0]()  # wraps this thread's current hooks
    sys.set_asyncgen_hooks, sys.get_asyncgen_hooks = _taps


def uninstall():
    global _orig, _taps
    if _orig is None:
        return
    first, fin = _taps[1]()
    _orig[0](firstiter=first, finalizer=fin)
    sys.set_asyncgen_hooks, sys.get_asyncgen_hooks = _orig
    _orig = _taps = None
