# Covers: class bodies as frames (class namespace locals), a metaclass with __prepare__ returning a noisy dict subclass, __init_subclass__, __class__ cell.
class Namespace(dict):
    def __iter__(self):
        print("NAMESPACE ITER CALLED")
        return dict.__iter__(self)

    def __repr__(self):
        print("NAMESPACE REPR CALLED")
        return "ns"


class Meta(type):
    @classmethod
    def __prepare__(mcls, name, bases):
        return Namespace()

    def __new__(mcls, name, bases, ns):
        return super().__new__(mcls, name, bases, dict(ns))


class Base:
    registered = []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        Base.registered.append(cls.__name__)


class Special(Base, metaclass=Meta):
    a = 1
    b = a + 1

    def method(self):
        return __class__.__name__


print(Special.b, Special().method(), Base.registered)
