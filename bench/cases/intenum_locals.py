# IntEnum members in a loop next to mutable locals (enum_checks.py with an IntEnum): since
# format 1.3 an IntEnum member's attributes (_name_, _value_, ...) are captured, and each is a
# walk node of its own. docs/performance.md, session 11.
import enum, sys, time
class Kind(enum.IntEnum):
    A = 1
    B = 2
def run(n):
    table = [{"k": i, "v": [i, i + 1]} for i in range(50)]
    seen = []
    hits = 0
    for i in range(n):
        k = Kind.A if i % 3 else Kind.B
        if isinstance(k, Kind):
            hits += 1
        if i % 100 == 0:
            seen.append(i)
    return hits, len(seen), len(table)
t = time.perf_counter()
run(100000)
sys.stderr.write("elapsed %.6f\n" % (time.perf_counter() - t))
