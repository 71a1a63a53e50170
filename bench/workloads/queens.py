# Recursive solver: count the solutions of the N-queens problem by backtracking.
def solve(n, row=0, cols=frozenset(), d1=frozenset(), d2=frozenset()):
    if row == n:
        return 1
    count = 0
    for c in range(n):
        if c in cols or (row + c) in d1 or (row - c) in d2:
            continue
        count += solve(n, row + 1, cols | {c}, d1 | {row + c}, d2 | {row - c})
    return count


def main():
    print(solve(10))
    print(solve(9))


if __name__ == "__main__":
    import sys
    import time

    started = time.perf_counter()
    main()
    # bench_recorder reads this line: the workload's own time, without interpreter start-up.
    sys.stderr.write(f"elapsed {time.perf_counter() - started:.6f}\n")
