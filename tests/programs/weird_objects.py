# Covers: objects rendered by rule 6/7/8: functions, classes, modules, builtins without __dict__, a __dict__ property, SimpleNamespace, partial,
# an object of a static type the interpreter has not readied (3.11's positions_iterator: its __mro__ reads None).
import functools
import math
import types


class FakeDict:
    @property
    def __dict__(self):
        print("FAKE __dict__ PROPERTY CALLED")
        return {"fake": True}


class WithGetattr:
    def __getattr__(self, name):
        raise RuntimeError("getattr must not be called: " + name)


fd = FakeDict()
fd.real = "real value"
wg = WithGetattr()
wg.x = 1
ns = types.SimpleNamespace(a=1, b="two")
part = functools.partial(max, 1)
rng = range(3)
obj = object()
mod = math
fn = len
cls = WithGetattr
positions = (lambda: 0).__code__.co_positions()
print(fd.real, wg.x, ns.b, part(5), list(rng), mod.floor(2.5), fn("ab"), cls.__name__)
