# Small program whose trace exercises every container and object snapshot path (stores into
# lists, appends, dict updates, attribute changes, nesting). tests/data/format-1.1-mutations.reel
# is its recording by the format 1.1 recorder; test_compact_format.py checks that today's reader
# still replays it exactly as the 1.1 reader did.


class Body:
    def __init__(self, x, v):
        self.x = x
        self.v = v


def step(bodies, log, counts):
    for i, b in enumerate(bodies):
        b.x[0] += b.v[0]
        b.x[1] += b.v[1]
        log.append((i, b.x[0]))
        counts[i % 2] = counts.get(i % 2, 0) + 1
    if len(log) > 4:
        del log[:2]


def main():
    bodies = [Body([0.5, 1.0], [0.25, -0.5]), Body([2.0, 3.0], [0.125, 0.75])]
    log = []
    counts = {}
    seen = set()
    for t in range(4):
        step(bodies, log, counts)
        seen.add(t * 3)
    print(len(log), sorted(counts.items()), sorted(seen))


main()
