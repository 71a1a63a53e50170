# Covers: generators: iteration, send(), yield from, return value via StopIteration, genexpr.
def countdown(n):
    while n > 0:
        got = yield n
        if got is not None:
            n = got
        n -= 1
    return "done"


def delegator():
    result = yield from countdown(3)
    yield result


print(list(delegator()))
g = countdown(5)
print(next(g), g.send(3), next(g))
try:
    next(g)
except StopIteration as e:
    print("stop", e.value)
print(sum(x * x for x in range(4)))
