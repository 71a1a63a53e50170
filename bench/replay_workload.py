# The program bench_replayer records to measure the replayer on a real trace (issue 4: at least
# 50 million events). It is bench/workloads/loop.py's shape (arithmetic, a function call and a
# method call per iteration) with what a real run also has: a generator resumed now and then, an
# exception raised two frames deep and handled, a growing list, printed output on stdout and
# stderr. Not in bench/workloads/ so bench_recorder does not time it.
#
#   python replay_workload.py [ITERATIONS]     (default 850,000: about 51M events on 3.12)
import sys


class Acc:
    def __init__(self):
        self.n = 0

    def add(self, v):
        self.n += v


def f(x):
    return x * 3 + 1


def check(x):
    if x % 1000 == 999:
        raise ValueError(x)
    return x


def counter():
    k = 0
    while True:
        k += 1
        yield k


def run(n):
    acc = Acc()
    total = 0
    seen = []
    gen = counter()
    for i in range(n):
        total += f(i) % 7
        acc.add(i & 3)
        if i % 97 == 0:
            total += next(gen)
        if i % 500 == 499:
            try:
                check(i)
            except ValueError:
                total -= 1
        if i % 4096 == 0:
            seen.append(total)
        if i % 100_000 == 0:
            print("progress", i, total)
            sys.stderr.write(f"at {i}\n")
    return total, acc.n, len(seen)


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 850_000))
