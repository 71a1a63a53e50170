# Long lists and a dict growing past the 64-item capture window below the top: records grouped
# by key (setdefault on keys already there, then append) and an object keeping a log and an
# index of what it saw. docs/recorder.md, "The same list below the top".
import sys, time


class Registry:
    def __init__(self):
        self.log = []
        self.index = {}

    def add(self, name, value):
        self.log.append(value)
        self.index[name] = value


def run(n):
    groups = {}
    reg = Registry()
    for i in range(n):
        key = "k%d" % (i % 7)
        groups.setdefault(key, []).append(i)
        reg.add("item%d" % i, i)
    return len(groups), len(reg.log), len(reg.index)


t = time.perf_counter()
print(run(50_000))
sys.stderr.write("elapsed %f\n" % (time.perf_counter() - t))
