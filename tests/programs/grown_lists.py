# Covers: lists and dicts held inside other containers and objects that grow past the capture window
# while other locals reach them (the recorder then copies the list's previous words and
# snapshot with the new length instead of walking it): grouping with setdefault on present
# keys (which changes nothing) and on new ones, appends and pops at the end of long lists in the
# same frame and in callees, and, in the same stretch between two checks of a caller, a store
# inside the window, a change to an object inside the window, and an item replaced at the end,
# each of which must still show.
import random


class Log:
    def __init__(self):
        self.events = []
        self.index = {"first": {"hits": 0}}
        self.count = 0

    def add(self, e):
        self.events.append(e)
        self.index["e%d" % self.count] = e   # a new key past a long dict's window
        self.count += 1


def touch_index(index, rng, n):
    # Takes the dict only: the caller's check of `log` then sees both changes at once.
    index["t%d" % n] = n                  # a new key past the window
    op = rng.randrange(3)
    if op == 0:
        index["first"]["hits"] += 1       # an object inside the window changed
    elif op == 1:
        index["e3"] = "replaced %d" % n   # a key inside the window
    else:
        index["e70"] = "late"             # a key past the window, already there


def grow(lst, n):
    # Several mutations before the caller's next check (more than the recorder logs when n is
    # big), all of them past the window. The callees take the list only, so that the caller's
    # check of `groups` sees every change since its previous one at once.
    for i in range(n):
        lst.append(i)


def grow_and_touch(lst, rng):
    lst.append(rng.randrange(100))
    op = rng.randrange(4)
    if op == 0:
        lst[3] = "stored"            # inside the window
    elif op == 1:
        lst[2]["seen"] = rng.randrange(5)  # an object inside the window changed
    elif op == 2:
        lst[-1] = ("last", len(lst))  # past the window, replaced in place
    else:
        lst.pop()
        lst.pop()


def main():
    rng = random.Random(7)
    groups = {}
    log = Log()
    keys = ["k%d" % i for i in range(3)]
    for i in range(150):
        key = keys[rng.randrange(len(keys))]
        groups.setdefault(key, [-1, -2, {"seen": 0}]).append(i)
        log.add((key, i))
        if i % 50 == 0:
            grow(groups[key], 70)
        elif i % 7 == 0:
            grow(groups[key], 3)
        if i % 5 == 0 and len(groups[key]) > 70:
            grow_and_touch(groups[key], rng)
        if i % 29 == 0:
            log.events.pop()
        if i > 70 and i % 4 == 0:
            touch_index(log.index, rng, i)
    nested = {"log": log, "all": [groups[k] for k in keys]}
    for k in keys:
        nested["all"][keys.index(k)].append(k)
    print(sorted((k, len(v)) for k, v in groups.items()), log.count, len(log.events))
    print(len(nested["all"][0]))


main()
