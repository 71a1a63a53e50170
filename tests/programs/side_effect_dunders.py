# Covers: objects whose __repr__/__eq__/__hash__/__getattr__/__len__/__iter__/__bool__ have visible side effects.
calls = []


class Noisy:
    def __init__(self, label):
        self.label = label

    def __repr__(self):
        print("REPR CALLED", self.label)
        return "Noisy!"

    def __eq__(self, other):
        print("EQ CALLED", self.label)
        return False

    def __hash__(self):
        print("HASH CALLED", self.label)
        return 7

    def __getattr__(self, name):
        print("GETATTR CALLED", name)
        raise AttributeError(name)

    def __len__(self):
        print("LEN CALLED")
        return 1

    def __bool__(self):
        print("BOOL CALLED")
        return True


class NoisyList(list):
    def __iter__(self):
        print("ITER CALLED")
        return list.__iter__(self)

    def __len__(self):
        print("LEN CALLED")
        return 0


class NoisyDict(dict):
    def items(self):
        print("ITEMS CALLED")
        return dict.items(self)

    def __iter__(self):
        print("ITER CALLED")
        return dict.__iter__(self)


class Exploding:
    __slots__ = ("v",)

    def __getattribute__(self, name):
        print("GETATTRIBUTE CALLED", name)
        return object.__getattribute__(self, name)


class NoisyStr(str):
    def __hash__(self):
        print("STR HASH CALLED")
        return 7

    __eq__ = str.__eq__


def grow_words():
    # A str subclass inside a list walked again after each append: the walk reads its characters
    # (and caches str's own hash), never its __hash__.
    words = [NoisyStr("hello"), "plain"]
    for i in range(3):
        words.append(NoisyStr("w%d" % i))
    return len(words)


grow_words()
a = Noisy("a")
nl = NoisyList([1, 2])
nd = NoisyDict(k=1)
boom = Exploding()
object.__setattr__(boom, "v", 3)
holder = [a, {"k": a}]
print("done", len(calls))
