# What CPython's test_collections (TestNamedTuple.test_odd_sizes) does: namedtuple() with about
# 10,000 fields keeps the tuple of field names in a closure cell while it loops over them. The
# cell is checked after every instruction that may rebind it, and each check asked whether the
# tuple may change by reading all of its items: O(n) per event, O(n^2) per run (3.13: 1.96 s
# recorded against 0.006 s plain for N=20000). Only the items a snapshot shows count now.
import sys
import time


def make(n):
    names = tuple("f%d" % i for i in range(n))

    def lookup(i):
        return names[i]

    total = 0
    for i in range(n):
        total += len(lookup(i))
    return total


started = time.perf_counter()
print(make(int(sys.argv[1]) if len(sys.argv) > 1 else 20000))
sys.stderr.write("elapsed %.6f\n" % (time.perf_counter() - started))
