# Recording cost of a `yield from` chain: the pure-Python JSON encoder (what json.dumps uses with
# indent=) on a list nested N deep (argv[1]). docs/performance.md, session 5.
import sys, time
import json.encoder
json.encoder.c_make_encoder = None
t = time.perf_counter()
l = []
for x in range(int(sys.argv[1])):
    l = [l]
sys.setrecursionlimit(100000)
s = ''.join(json.encoder.JSONEncoder().iterencode(l))
print(len(s))
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - t))
