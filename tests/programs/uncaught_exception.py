# Covers: an uncaught exception at the end (traceback on stderr, exit status 1) after some output; chained cause in the traceback.
def load(key):
    table = {"a": 1}
    try:
        return table[key]
    except KeyError as e:
        raise LookupError("no such key: " + key) from e


print("before")
print(load("a"))
load("zzz")
print("never printed")
