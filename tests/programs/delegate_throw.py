# Covers: an exception thrown into a frame that delegates (yield from / await) whose delegate
# catches it and returns: the delegating frame goes on without a 'call' event on 3.11.
import asyncio


def sub(tag):
    try:
        got = yield tag
        return ("sent", got)
    except KeyError as e:
        return ("caught", e.args[0])


def deleg(n):
    results = []
    for i in range(n):
        r = yield from sub(i)
        results.append(r)
    return results


def two_levels():
    r = yield from deleg(2)
    total = len(r)
    yield total


g = deleg(3)
print(next(g))
print(g.throw(KeyError("a")))
print(g.send("x"))
try:
    g.throw(KeyError("b"))
except StopIteration as stop:
    print("done", stop.value)

t = two_levels()
next(t)
t.throw(KeyError("c"))
print(t.throw(KeyError("d")))


class Delegate:
    """Not a generator: its throw() returns by raising StopIteration, as a generator's return."""
    def __init__(self):
        self.n = 0

    def __iter__(self):
        return self

    def __next__(self):
        self.n += 1
        return self.n

    def send(self, v):
        return self.__next__()

    def throw(self, *exc):
        raise StopIteration("thrown:" + type(exc[-1] if len(exc) > 1 else exc[0]).__name__)


def over_object():
    got = yield from Delegate()
    yield ("after", got)


o = over_object()
print(next(o), o.send(None))
print(o.throw(KeyError("k")))


def chain(depth):
    if depth == 0:
        try:
            yield "leaf"
        except ValueError:
            return "leaf caught"
    else:
        r = yield from chain(depth - 1)
        return (depth, r)


def top():
    v = yield from chain(4)
    yield v


c = top()
next(c)
print(c.throw(ValueError()))


async def fails():
    await asyncio.sleep(0)
    raise ValueError("boom")


async def inner():
    task = asyncio.ensure_future(fails())
    try:
        await task
    except ValueError as e:
        return "inner saw " + str(e)


async def middle():
    note = await inner()
    return note.upper()


async def stubborn():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        return "cancel caught"


async def guarded():
    state = {"phase": 1}
    state["result"] = await stubborn()
    state["phase"] = 2
    return state


async def main():
    first = await middle()
    job = asyncio.ensure_future(guarded())
    await asyncio.sleep(0)
    job.cancel()
    second = await job
    return first, second


print(asyncio.run(main()))
