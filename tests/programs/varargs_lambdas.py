# Covers: *args/**kwargs, keyword-only and positional-only parameters, defaults, lambdas, sorted with key, map/filter.
def combine(a, b=2, /, *args, scale=1, **kwargs):
    return (a + b + sum(args)) * scale, sorted(kwargs.items())


print(combine(1))
print(combine(1, 3, 4, 5, scale=2, z=1, y=2))
people = [("bob", 31), ("al", 25), ("cy", 31)]
print(sorted(people, key=lambda p: (-p[1], p[0])))
print(list(map(lambda v: v * 3, filter(lambda v: v % 2, range(6)))))
apply = lambda fn, *a: fn(*a)
print(apply(max, 3, 9, 4))
