# A str-keyed dict growing past the 64-entry capture window: an index of 100,000 names built
# in a loop. docs/recorder.md, "A long list that grows or shrinks at the end".
import sys, time

def build(n):
    index = {}
    for i in range(n):
        name = "item%d" % i
        index[name] = i
    return len(index)

t = time.perf_counter()
print(build(100_000))
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - t))
