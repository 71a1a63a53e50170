# Covers: global statement, module-level state changed from functions, decorators (plain, parametrized, functools.wraps), class decorators.
import functools

counter = 0
registry = {}


def bump():
    global counter
    counter += 1
    return counter


def register(name):
    def deco(fn):
        registry[name] = fn.__name__
        return fn
    return deco


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        bump()
        return fn(*args, **kwargs)
    return wrapper


def add_tag(cls):
    cls.tag = "decorated"
    return cls


@register("square")
@logged
def square(x):
    return x * x


@add_tag
class Thing:
    pass


print(square(3), square(4), counter, registry, Thing.tag)
