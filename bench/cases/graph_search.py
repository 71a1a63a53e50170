# Graph search the everyday way: breadth-first over a grid with a `seen` set and a deque, then a
# depth-first walk with a stack list, next to other mutable locals. `x in seen` on a set past 32
# items, `seen.add(x)` and the deque's methods used to count as mutations nobody names, so each
# frame walked its locals again. docs/performance.md, session 12.
import sys, time
from collections import deque

def grid(n):
    graph = {}
    for r in range(n):
        for c in range(n):
            graph[r, c] = [(r + dr, c + dc) for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0))
                           if 0 <= r + dr < n and 0 <= c + dc < n and ((r + dr) * 7 + (c + dc) * 3) % 11 != 0]
    return graph

def bfs(graph, start):
    seen = {start}
    queue = deque([start])
    order = []
    while queue:
        node = queue.popleft()
        order.append(node)
        for nb in graph[node]:
            if nb not in seen:
                seen.add(nb)
                queue.append(nb)
    return len(order)

def dfs(graph, start):
    seen = set()
    stack = [start]
    count = 0
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        count += 1
        stack.extend(graph[node])
    return count

t = time.perf_counter()
g = grid(60)
print(bfs(g, (0, 0)), dfs(g, (0, 0)))
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - t))
