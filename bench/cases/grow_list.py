# A list growing past the 64-item capture window: 100,000 small objects appended in a loop.
# docs/recorder.md, known gaps.
import sys, time
class P:
    def __init__(self, x, y):
        self.x = x
        self.y = y
        self.tags = []

def build(n):
    pts = []
    for i in range(n):
        p = P(i, i * 2)
        p.tags.append(i & 7)
        pts.append(p)
    return len(pts)

t = time.perf_counter()
print(build(100_000))
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - t))
