# Covers: async generator hooks installed by the program (firstiter/finalizer are traced), an abandoned async generator finalized by refcount GC, driven without asyncio.
import sys

log = []


def firstiter(agen):
    log.append("firstiter " + agen.__name__)


def finalizer(agen):
    log.append("finalizer " + agen.__name__)
    try:
        agen.aclose().send(None)
    except StopIteration:
        pass


async def agen(tag):
    try:
        yield tag + "1"
        yield tag + "2"
    finally:
        log.append("finally " + tag)


def drive(awaitable):
    try:
        awaitable.send(None)
    except StopIteration as e:
        return e.value
    raise AssertionError("suspended")


old = sys.get_asyncgen_hooks()
sys.set_asyncgen_hooks(firstiter, finalizer)
a = agen("a")
print(drive(a.__anext__()))
del a
b = agen("b")
print(drive(b.__anext__()), drive(b.__anext__()))
try:
    drive(b.__anext__())
except StopAsyncIteration:
    log.append("b exhausted")
sys.set_asyncgen_hooks(*old)
c = agen("c")
print(drive(c.__anext__()))
del c
print(log)
