# Loop-heavy: arithmetic plus a function and a method call per iteration (the shape measured in
# ../shared/notes/cpython-tracing.md).
class Acc:
    def __init__(self):
        self.n = 0

    def add(self, v):
        self.n += v


def f(x):
    return x * 3 + 1


def run(n):
    acc = Acc()
    total = 0
    for i in range(n):
        total += f(i) % 7
        acc.add(i & 3)
    return total, acc.n


def main():
    print(run(600_000))


if __name__ == "__main__":
    import sys
    import time

    started = time.perf_counter()
    main()
    # bench_recorder reads this line: the workload's own time, without interpreter start-up.
    sys.stderr.write(f"elapsed {time.perf_counter() - started:.6f}\n")
