# Covers: jumps whose opcode events the recorder leaves implied (forward jumps, truth tests of bools) at every kind of place: chained `in`/`is`/`not` tests, `and`/`or`, conditional expressions, empty branches (a jump whose both ways meet), `continue`/`break`, `while` loops, comprehension filters, `match`, a branch inside `try`/`finally`, a generator, and a jump far enough to need EXTENDED_ARG.


def chained(xs, seen):
    hits = 0
    for x in xs:
        if x in seen or (x + 1) in seen or not x:
            continue
        if x is None and x in seen:
            hits -= 1
        hits += 1
    return hits


def empty_branches(a, s):
    if a in s:
        pass
    if not a:
        pass
    else:
        pass
    r = 1 if a in s else 2
    q = a in s and a not in s or a in s
    return r, q


def loops(n):
    k = 0
    while not (k in (n, n + 1)):
        k += 1
        if k in (3, 5):
            continue
        if k is n:
            break
    return k


def filtered(xs, bad):
    return [x for x in xs if x not in bad and not (x in bad)]


def matching(v):
    match v:
        case [a, b] if a in (1, 2):
            return a + b
        case {"k": w}:
            return w
        case int() if not v:
            return -1
        case _:
            return 0


def guarded(v, s):
    try:
        if v in s:
            w = 1
        else:
            w = 2
    finally:
        z = not v
    return w, z


def gen(items, s):
    for it in items:
        if it in s:
            yield it
        elif not it:
            yield -1


def far(a, s):
    if a in s:
        a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1
        a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1
        a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1
        a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1
        a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1
        a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1
        a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1
        a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1; a = a + 1
    elif not a:
        a = -a
    return a


print(chained([0, 1, 2, 3, 5, 8], {2, 4}))
print(empty_branches(1, {1}), empty_branches(0, set()))
print(loops(7), loops(4))
print(filtered(range(8), {2, 3}))
print(matching([1, 5]), matching([3, 5]), matching({"k": 9}), matching(0), matching(4))
print(guarded(1, {1}), guarded(0, {1}))
print(list(gen([0, 1, 2, 3], {2})))
print(far(1, {1}), far(0, {1}), far(2, {1}))
