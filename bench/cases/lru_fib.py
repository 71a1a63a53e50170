# What CPython's test_functools (TestLRUPy.test_lru_recursion) does: a recursive Fibonacci under
# the pure-Python lru_cache, DEPTH (argv[1], default 1000) frames deep; the cache's values are
# big ints. docs/recorder.md, "Cheap change detection" and "Known gaps".
import sys
import time
from test.support import import_helper

functools = import_helper.import_fresh_module("functools", blocked=["_functools"])
sys.setrecursionlimit(100000)


@functools.lru_cache
def fib(n):
    if n <= 1:
        return n
    return fib(n - 1) + fib(n - 2)


depth = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
t = time.perf_counter()
fib(depth)
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - t))
