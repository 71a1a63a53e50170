"""Observing async generator hook calls without changing them.

sys.set_asyncgen_hooks/sys.get_asyncgen_hooks are replaced while recording: hooks the program
(or asyncio) installs are wrapped by forwarding callables that first tell the recorder
(ASYNCGEN_HOOK records), while the getter keeps returning the originals, so code that saves and
restores hooks (asyncio's event loop does) sees exactly what it installed. firstiter is always
wrapped; the finalizer only when one is set (inventing a finalizer would change how CPython
finalizes abandoned async generators). Hooks are per thread: the current thread's are wrapped at
start, other threads' when they call set_asyncgen_hooks. The forwarders are C callables
(recorder/src/AsyncGenHookForwarder.h): no frame a tracer, profiler or traceback could see."""

import sys

from . import _reel

_orig_set = None
_orig_get = None


def _unwrap(hook):
    # By type, not getattr: a hook object's own __getattr__ would run.
    return hook._reel_original if type(hook) is _reel.AsyncGenHookForwarder else hook


def _wrap_firstiter(original):
    return _reel._asyncgen_forwarder(0, original)


def _wrap_finalizer(original):
    return _reel._asyncgen_forwarder(1, original)


def _install_wrapped(first, fin):
    _orig_set(firstiter=_wrap_firstiter(first),
              finalizer=_wrap_finalizer(fin) if fin is not None else None)


def set_asyncgen_hooks(*args, **kwargs):
    _orig_set(*args, **kwargs)  # the interpreter's own validation and semantics
    first, fin = _orig_get()
    _install_wrapped(_unwrap(first), _unwrap(fin))


def get_asyncgen_hooks():
    hooks = _orig_get()
    return type(hooks)((_unwrap(hooks[0]), _unwrap(hooks[1])))


set_asyncgen_hooks.__doc__ = getattr(sys.set_asyncgen_hooks, "__doc__", None)
get_asyncgen_hooks.__doc__ = getattr(sys.get_asyncgen_hooks, "__doc__", None)


def install():
    global _orig_set, _orig_get
    if _orig_set is not None:
        return
    _orig_set, _orig_get = sys.set_asyncgen_hooks, sys.get_asyncgen_hooks
    first, fin = _orig_get()
    _install_wrapped(first, fin)
    sys.set_asyncgen_hooks = set_asyncgen_hooks
    sys.get_asyncgen_hooks = get_asyncgen_hooks


def uninstall():
    global _orig_set, _orig_get
    if _orig_set is None:
        return
    first, fin = get_asyncgen_hooks()
    _orig_set(firstiter=first, finalizer=fin)
    sys.set_asyncgen_hooks, sys.get_asyncgen_hooks = _orig_set, _orig_get
    _orig_set = _orig_get = None
