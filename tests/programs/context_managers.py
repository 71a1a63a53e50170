# Covers: with statements: class-based managers, a suppressing __exit__, contextlib.contextmanager, contextlib.suppress, nested with.
import contextlib


class Managed:
    def __init__(self, name, suppress=False):
        self.name = name
        self.suppress = suppress
        self.events = []

    def __enter__(self):
        self.events.append("enter")
        return self

    def __exit__(self, exc_type, exc, tb):
        self.events.append(("exit", exc_type.__name__ if exc_type else None))
        return self.suppress


@contextlib.contextmanager
def tagged(tag, out):
    out.append("open " + tag)
    try:
        yield tag.upper()
    finally:
        out.append("close " + tag)


m = Managed("quiet", suppress=True)
with m:
    raise ValueError("swallowed")
out = []
with tagged("a", out) as A, tagged("b", out) as B:
    out.append(A + B)
with contextlib.suppress(ZeroDivisionError):
    1 / 0
try:
    with Managed("loud") as loud:
        raise KeyError("passes")
except KeyError:
    pass
print(m.events, out, loud.events)
