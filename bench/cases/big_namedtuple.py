# What CPython's test_collections (TestNamedTuple.test_odd_sizes) does on 3.13: a namedtuple of
# 30,000 fields, whose generated __new__ has a code object of about 90,000 instructions, then
# each field read. docs/recorder.md, "Code objects"; docs/performance.md, session 6.
import sys, time
from collections import namedtuple
from random import choice
import string
n = 30000
t0 = time.perf_counter()
names = list(set(''.join([choice(string.ascii_letters) for j in range(10)]) for i in range(n)))
t1 = time.perf_counter()
n = len(names)
Big = namedtuple('Big', names)
t2 = time.perf_counter()
b = Big(*range(n))
for pos, name in enumerate(names):
    assert getattr(b, name) == pos
t3 = time.perf_counter()
repr(b)
d = b._asdict()
b2 = b._replace(**dict([(names[1], 999), (names[-5], 42)]))
t4 = time.perf_counter()
sys.stderr.write("names %.2f namedtuple %.2f getattr %.2f rest %.2f\n" % (t1-t0, t2-t1, t3-t2, t4-t3))
sys.stderr.write("elapsed %f\n" % (t4 - t0))
