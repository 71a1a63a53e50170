# Covers: a thread the recording leaves out (started with _thread.start_new_thread, as C code starts
# its own) changing objects that recorded locals hold while the recorded thread waits in a lock's
# acquire(), a call judged pure: the change shows at the waiting frame's next event.
import _thread
import sys
import time


def wait_for_worker():
    done = _thread.allocate_lock()
    done.acquire()
    box = {"items": [1], "count": 1}
    inner = box["items"]

    # (The main thread's ident, which differs from run to run, stays out of its locals.)
    def worker(main=_thread.get_ident(), code=sys._getframe().f_code):
        # Nothing changes until the main thread waits in done.acquire() (that line: the GIL passes
        # to this thread only inside the call), so every run sees the change at the same event.
        for _ in range(20000):  # 10 s at most
            f = sys._current_frames().get(main)
            if f is not None and f.f_code is code and f.f_lineno == code.co_firstlineno + 20:
                break
            time.sleep(0.0005)
        inner.append(2)
        box["count"] += 1
        done.release()

    _thread.start_new_thread(worker, ())
    done.acquire()
    total = box["count"] + len(inner)
    return total, box


print(wait_for_worker())
