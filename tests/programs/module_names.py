# Covers: module-level names stored, loaded and deleted (STORE_NAME, LOAD_NAME, DELETE_NAME), and
# `global` stores and deletions from functions (STORE_GLOBAL, DELETE_GLOBAL), judged as changes of
# the one namespace dict they touch. Traps: frames holding that dict (a generator with
# `globals()` as a local, resumed between module-level stores), module-level containers aliased
# by other names and changed in place, exec with separate dicts, a class body whose namespace is
# a dict subclass. (A namespace key that is not a str is not shown: docs/recorder.md, Known gaps.)
table = {}
alias = [table]
total = 0
for k in range(4):
    table[k] = k * k
    total = total + table[k]
    last = k
del last


def watch():
    ns = globals()
    while True:
        seen = ns.get("marker")
        yield seen


w = watch()
next(w)
marker = "one"
next(w)
marker = "two"
del marker
next(w)


def set_global(v):
    global made, total
    made = v
    total += len(v)
    return made


def drop_global():
    global made
    del made


set_global([1, 2])
held = made
made.append(3)  # seen by `held` too
drop_global()
set_global("again")

after = total + 1
globals()["after"] = after + 1  # a store the rules do not name (a call)

scope = {"base": 10}
local_ns = {}
exec("x = base + 1\ny = x * 2\ndel x", scope, local_ns)
got = local_ns


class Recording(dict):
    def __setitem__(self, key, value):
        super().__setitem__(key, value)


class Meta(type):
    @classmethod
    def __prepare__(mcls, name, bases):
        return Recording()


class Shape(metaclass=Meta):
    sides = 4
    area = sides * sides


class Plain:
    a = 1
    b = a + 1
    del a

print(total, after, sorted(table.items()), alias, held, got, Shape.area, Plain.b, w.send(None))
