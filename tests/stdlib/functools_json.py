# Covers, on the standard library's own pure-Python code: functools (lru_cache's wrapper with its
# lock, cells, int-keyed cache and linked list; update_wrapper renaming a bound function) and
# json (the encoder's generator chain and closures, the decoder). tests/python/test_stdlib_fidelity.py
# copies this interpreter's functools.py and json/ next to this file as pyfunctools and pyjson,
# so that their frames are inside the directory the export and the oracle report.
import sys, threading, json  # the oracle imports json itself: the same scanner in every run
sys.modules['_functools'] = None
sys.modules['_json'] = None
import pyfunctools, pyjson

@pyfunctools.lru_cache(maxsize=8)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

@pyfunctools.lru_cache
def tri(n, step=1):
    return 0 if n <= 0 else n + tri(n - step, step)

def wrap(f):
    @pyfunctools.wraps(f)
    def inner(*args, **kwargs):
        return f(*args, **kwargs)
    return inner

@wrap
def combine(a, b, scale=1):
    return (a + b) * scale

print(fib(25), tri(20, 2), combine(2, 3, scale=4), fib.cache_info())
nested = []
for _ in range(12):
    nested = [nested, {"k": 1}]
print(len(pyjson.dumps(nested, check_circular=False)), pyjson.dumps({"a": [1, 2.5, None, True], "b": {"c": "d"}}, indent=2, sort_keys=True, check_circular=False))
lock = threading.RLock()
seen = {}
for i in range(5):
    with lock:
        seen[i] = seen.get(i - 1, 0) + i
        if i in seen and type(i) in {int, str}:
            if i:
                del seen[i - 1]
print(seen, pyjson.loads('{"x": [1, 2, {"y": null}]}'))
