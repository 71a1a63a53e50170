# Covers: closures, cell and free variables, nonlocal rebinding, closures capturing loop vars.
def counter(start):
    count = start

    def inc(step=1):
        nonlocal count
        count += step
        return count

    def peek():
        return count

    return inc, peek


inc, peek = counter(10)
inc()
inc(5)
print(peek())


def make_adders():
    adders = []
    for i in range(3):
        def add(x, i=i):
            return x + i
        adders.append(add)
    return adders


print([f(100) for f in make_adders()])


def outer():
    x = "outer"

    def middle():
        def inner():
            return x.upper()
        return inner()

    return middle()


print(outer())
