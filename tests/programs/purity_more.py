# Covers: instructions the recorder treats as pure because what they run is C code that changes
# nothing a snapshot shows, or traced Python that reports its own changes: module attributes,
# properties and descriptors with Python getters (functools.cached_property), truth tests of
# objects without __bool__/__len__, enumerate and io.StringIO iteration, re methods,
# str.format, isinstance against a class whose metaclass keeps type's __instancecheck__. Each
# next to a look-alike that does mutate a local through C code only (a module __getattr__,
# __bool__/__len__/__format__/__instancecheck__ as bound C methods, a callable or backslash re
# replacement, a StringIO subclass), whose change the state after the instruction must show.
import functools
import io
import re
import sys
import types


class Temperature:
    def __init__(self):
        self.reads = []
        self._c = 20.0

    @property
    def fahrenheit(self):
        self.reads.append("f")  # traced: the getter reports its own change
        return self._c * 9 / 5 + 32

    @functools.cached_property
    def kelvin(self):
        self.reads.append("k")
        return self._c + 273.15


class Logged:
    def __init__(self, log):
        self.log = log

    def __get__(self, obj, owner=None):
        self.log.append(owner.__name__)
        return len(self.log)


def descriptors():
    log = []

    class Holder:
        value = Logged(log)
        reader = property(log.append)  # a C getter (appends the instance): not traced

    t = Temperature()
    f = t.fahrenheit
    k1 = t.kelvin
    k2 = t.kelvin  # now found in the instance dict
    h = Holder()
    v = h.value
    copied = h.reader
    return f, k1, k2, v, copied, t.reads, log[0], len(log)


def modules():
    log = []
    mod = types.ModuleType("made")
    mod.present = 1
    mod.__getattr__ = log.append  # called with the missing name, in C
    a = mod.present
    b = mod.missing
    size = sys.maxsize > 0
    return a, b, size, log


def truths():
    seen = [1, 2, 3]

    class Plain:
        pass

    class Sneaky:
        __bool__ = seen.pop  # called with no argument: pops, then fails (not a bool)

    class Sized:
        __len__ = seen.pop  # pops, and the popped item is the length

    plain = Plain()
    hits = 0
    if plain:
        hits += 1
    m = re.match("a", "abc")
    if m:
        hits += 1
    for obj in (Sneaky(), Sized()):
        try:
            if obj:
                hits += 10
        except TypeError:
            hits += 100
    return hits, len(seen)


def iteration():
    lines = io.StringIO("one\ntwo\nthree\n")
    got = []
    for n, line in enumerate(lines, start=1):
        got.append((n, line.strip()))
    log = []

    class Noisy(io.StringIO):
        def readline(self, size=-1):
            log.append(size)
            return super().readline(size)

    for line in Noisy("x\ny\n"):
        got.append(line)
    for i, x in enumerate(map(log.append, "ab")):  # the map mutates log in C
        got.append(i)
    out = io.StringIO()
    out.write("abc")
    out.foo = len(out.getvalue())
    return got, log, out.foo


def regexes():
    log = []
    p = re.compile(r"(\w)(\d)")
    m = p.search("xx a1 b2")
    parts = (m.group(1), m.group(2), m.span(), m.groups(), p.findall("a1 b2"), p.split("a1-b2"))
    plain = p.sub("#", "a1 b2")
    backslash = p.sub(r"\2\1", "a1 b2")  # compiled by re's Python code
    called = p.sub(lambda mo: log.append(mo.group()) or "!", "a1 b2")
    table = {}
    try:
        p.sub(functools.partial(table.setdefault, "k"), "a1")  # C: stores the match, then fails
    except TypeError:
        pass
    class Text(str):
        __getitem__ = log.append  # never called: re reads a str subclass's characters directly

    sub_match = p.search(Text("xx c3"))
    sub_parts = (sub_match.group(), sub_match.group(1), sub_match.span())
    return parts, plain, backslash, called, log, len(table), sub_parts


def formatting():
    log = []

    class Fmt:
        __format__ = log.append  # appends the spec, then fails (returns None)

    text = "{} {:>4} {!r} {x}".format(1, "ab", 2.5, x=None)
    # join runs a traced generator, whose own instructions report the appends.
    joined = ",".join(str(log.append(i) or i) for i in range(3))
    table = {}
    mapped = ",".join(map(table.setdefault, "ab", "xy"))  # C code filling table
    try:
        text2 = "{:spec}".format(Fmt())
    except TypeError:
        text2 = "failed"
    return text, text2, joined, mapped, table, log


def instance_checks():
    import enum

    log = []

    class Color(enum.Enum):  # EnumType keeps type's own __instancecheck__
        RED = 1

    class Meta(type):
        __instancecheck__ = log.append  # C code: called with the instance only

    class Watched(metaclass=Meta):
        pass

    plain = isinstance(Color.RED, Color)
    watched = isinstance(5, Watched)  # appends 5, answers False
    both = isinstance(Color.RED, (int, Color))
    return plain, watched, both, log


print(descriptors())
print(modules())
print(truths())
print(iteration())
print(regexes())
print(formatting())
print(instance_checks())
