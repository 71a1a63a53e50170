# A recursion through a method of an object whose graph is too big for the 4096-word shapes of
# session 9 (60 lists of 60 strs, about 11,000 words): every call captured `self` afresh for the
# new frame. Big shapes are kept now, within a memory budget (ValueShape::bound): 900 frames
# deep, the first ones keep theirs and the rest capture as before.
import sys
import time


class Parser:
    def __init__(self):
        self.table = [["w%d_%d" % (i, j) for j in range(60)] for i in range(60)]
        self.pos = 0

    def descend(self, n):
        self.pos += 1
        if n:
            return self.descend(n - 1) + 1
        return 0


sys.setrecursionlimit(5000)
started = time.perf_counter()
p = Parser()
for _ in range(20):
    p.descend(int(sys.argv[1]) if len(sys.argv) > 1 else 900)
sys.stderr.write("elapsed %.6f\n" % (time.perf_counter() - started))
