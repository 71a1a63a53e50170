# Tuple-keyed memo tables (edit distance by memoized recursion, a grid walk counted by (row, col)),
# next to other mutable locals: every lookup and store used to count as a mutation nobody names,
# so each frame of the recursion walked its locals again. docs/performance.md, session 12.
import sys, time

def distance(a, b, i, j, memo):
    key = (i, j)
    if key in memo:
        return memo[key]
    if i == 0 or j == 0:
        r = i + j
    elif a[i - 1] == b[j - 1]:
        r = distance(a, b, i - 1, j - 1, memo)
    else:
        r = 1 + min(distance(a, b, i - 1, j, memo), distance(a, b, i, j - 1, memo),
                    distance(a, b, i - 1, j - 1, memo))
    memo[key] = r
    return r

def paths(rows, cols):
    seen = {(0, 0): 1}
    history = [[r, str(r)] for r in range(64)]
    for r in range(rows):
        for c in range(cols):
            if (r, c) != (0, 0):
                seen[r, c] = seen.get((r - 1, c), 0) + seen.get((r, c - 1), 0)
    return seen[rows - 1, cols - 1] % 1000, len(history)

t = time.perf_counter()
sys.setrecursionlimit(10000)
for _ in range(3):
    print(distance("intention" * 4, "execution" * 4, 36, 36, {}))
print(paths(60, 60))
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - t))
