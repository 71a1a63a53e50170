# Covers: an exception raised three frames deep, propagating (exception events per frame, unwind returns), handled at the top.
def level3(x):
    if x > 2:
        raise ValueError("too big", x)
    return x


def level2(x):
    y = x * 2
    return level3(y)


def level1(x):
    try:
        return level2(x)
    except ValueError as e:
        return ("handled", e.args[1])


print(level1(1), level1(5))
