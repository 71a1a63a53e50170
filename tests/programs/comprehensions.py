# Covers: list/set/dict comprehensions and genexprs at module, function and class scope (3.12 inlining).
i = "global-i"
squares = [i * i for i in range(4)]
print(squares, i)
evens = {x for x in range(6) if x % 2 == 0}
table = {k: [m for m in range(k)] for k in range(3)}
print(sorted(evens), table)


def nested(n):
    y = 10
    grid = [[r * c + y for c in range(n)] for r in range(n)]
    flat = [v for row in grid for v in row if v % 2]
    return grid, flat


print(nested(3))


class Holder:
    names = [q.upper() for q in ("a", "b")]


print(Holder.names)
