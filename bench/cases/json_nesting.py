# What CPython's test_json (test_highly_nested_objects_encoding) does: the pure-Python JSON
# encoder on a list nested DEPTH (argv[1], default 1000) levels deep. Each level is a generator
# in a `yield from` chain, so every chunk passes through every level (events grow as DEPTH**2),
# and every level holds the encoder's `markers` dict in a cell. docs/recorder.md, "Known gaps".
import sys
import time
from test.support import import_helper

pyjson = import_helper.import_fresh_module("json", blocked=["_json"])
sys.setrecursionlimit(100000)

depth = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
nested = []
for _ in range(depth):
    nested = [nested]
t = time.perf_counter()
text = pyjson.dumps(nested)
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - t))
print(len(text))
