# Covers: threads started and joined one at a time, a lock, results handed back through a list (see _threads_util for why start/join is untraced).
import threading

from _threads_util import run_thread

results = []
lock = threading.Lock()


def work(name, n):
    acc = 0
    for i in range(n):
        acc += i
    with lock:
        results.append((name, acc))


for idx in range(3):
    run_thread(work, "t%d" % idx, 4 + idx)
print(results)
