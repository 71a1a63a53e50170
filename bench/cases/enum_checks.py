# isinstance against an Enum class in a loop next to mutable locals: EnumType keeps type's own
# __instancecheck__, so the check is C code (pure since session 9; before, every check made each
# frame walk its mutable locals again). docs/performance.md, session 9.
import enum, sys, time
class Kind(enum.Enum):
    A = 1
    B = 2
def run(n, Kind=Kind):
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
if __name__ == "__main__":
    t = time.perf_counter()
    run(100000)
    sys.stderr.write("elapsed %.6f\n" % (time.perf_counter() - t))
