# Covers: try/finally on normal return, on exception, return overriding in finally, nested finally, loop break in try.
log = []


def normal():
    try:
        log.append("body")
        return 1
    finally:
        log.append("finally-normal")


def failing():
    try:
        raise KeyError("k")
    finally:
        log.append("finally-failing")


def override():
    try:
        return "from try"
    finally:
        log.append("override")


def loop():
    for i in range(5):
        try:
            if i == 2:
                break
        finally:
            log.append(("loop", i))
    return i


normal()
try:
    failing()
except KeyError:
    log.append("caught")
override()
loop()
print(log)
