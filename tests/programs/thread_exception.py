# Covers: an exception escaping a thread (threading.excepthook prints it on stderr) and a second thread afterwards.
from _threads_util import run_thread

box = []


def fails():
    box.append("about to fail")
    raise RuntimeError("thread failure")


def succeeds(values):
    box.append(sum(values))


run_thread(fails)
run_thread(succeeds, [1, 2, 3])
print(box)
