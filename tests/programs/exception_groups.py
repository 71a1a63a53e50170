# Covers: ExceptionGroup raised and handled with except*, nested groups, partial re-raise.
def raise_group():
    errors = []
    for i, exc_type in enumerate((ValueError, TypeError, ValueError)):
        errors.append(exc_type("e%d" % i))
    raise ExceptionGroup("batch", errors)


def handle():
    seen = []
    try:
        raise_group()
    except* ValueError as eg:
        seen.append(("value", len(eg.exceptions)))
    except* TypeError as eg:
        seen.append(("type", len(eg.exceptions)))
    return seen


print(handle())


def partial():
    try:
        raise ExceptionGroup("outer", [KeyError("k"), ExceptionGroup("inner", [OSError("o")])])
    except* KeyError:
        pass


try:
    partial()
except ExceptionGroup as eg:
    print("left over:", repr(eg.exceptions[0]))
