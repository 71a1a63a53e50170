# Covers: generator close() (GeneratorExit inside try/finally), throw() handled and unhandled, closing an unstarted generator.
def worker(log):
    try:
        while True:
            try:
                x = yield
                log.append(("got", x))
            except ValueError as e:
                log.append(("recovered", str(e)))
    finally:
        log.append("cleanup")


def plain():
    yield 1
    yield 2


log = []
g = worker(log)
next(g)
g.send(1)
g.throw(ValueError("v"))
g.close()
p = plain()
next(p)
p.close()
u = plain()
u.close()
t = plain()
next(t)
try:
    t.throw(KeyError("k"))
except KeyError as e:
    log.append(("propagated", e.args))
print(log)
