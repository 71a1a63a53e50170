# Int-keyed dict stores: a tally by number and a memoized recursion, next to other mutable locals.
# docs/recorder.md, targeted mutations; docs/performance.md, session 5.
import sys, time

def tally(n):
    names = ["alpha", "beta", "gamma", "delta"] * 16
    rows = [[i, i * 2, str(i)] for i in range(64)]
    counts = {}
    for x in range(n):
        k = (x * 7) % 97
        counts[k] = counts.get(k, 0) + 1
    return len(names), len(rows), len(counts)

def fib(n, memo):
    if n < 2:
        return n
    if n in memo:
        return memo[n]
    r = fib(n - 1, memo) + fib(n - 2, memo)
    memo[n] = r
    return r

t = time.perf_counter()
print(tally(100_000))
for _ in range(200):
    fib(300, {})
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - t))
