# enum_checks.py with an IntEnum: since format 1.3 an IntEnum member's attributes (_name_,
# _value_, ...) are captured, and each member is a walk node of its own. docs/performance.md,
# session 11.
import enum, sys, time
from enum_checks import run
class Kind(enum.IntEnum):
    A = 1
    B = 2
t = time.perf_counter()
run(100000, Kind)
sys.stderr.write("elapsed %.6f\n" % (time.perf_counter() - t))
