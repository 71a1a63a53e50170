# Covers: names that a function's own code puts in its frame's f_locals dict (3.11/3.12: exec
# in a function, locals()[k] = v, an item of such a name mutated, the name deleted again), in a
# loop and in a generator across suspensions. 3.13 gives locals() and exec a snapshot, so there
# the names never reach the frame.
def made_by_exec():
    a = 1
    exec("made = a + 1")
    b = 2
    return a + b


def set_through_locals():
    x = 1
    locals()["extra"] = [x]
    y = 2
    locals()["extra"].append(y)
    del locals()["extra"]
    z = 3
    return x + y + z


def exec_in_loop(n):
    total = 0
    for i in range(n):
        exec("step%d = i * 2" % (i % 2))
        total += i
    return total


def gen_with_exec():
    exec("g = 1")
    yield 1
    exec("g = [g, 2]")
    yield 2


print(made_by_exec(), set_through_locals(), exec_in_loop(4), list(gen_with_exec()))
