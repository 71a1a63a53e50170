# Covers: objects of C types that declare weakref support but never clear their weakrefs when
# they die (3.12/3.13's typing.ParamSpecArgs and ParamSpecKwargs): captured in locals, then
# freed. A weakref the recorder made to one would dangle, and releasing it crashed the program
# at exit. Also the other typing parameter kinds, and generic aliases built from them.
import typing


def params(name):
    P = typing.ParamSpec(name)
    args, kwargs = P.args, P.kwargs
    T = typing.TypeVar("T" + name)
    alias = typing.Callable[P, T]
    return repr(args), repr(kwargs), repr(T), len(typing.get_args(alias))


def main():
    seen = []
    for name in ("P", "Q", "R"):
        seen.append(params(name))
    return seen


print(main())
