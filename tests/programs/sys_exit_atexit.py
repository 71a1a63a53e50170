# Covers: atexit handlers (traced, run in LIFO order after the main module) and sys.exit with a status code (exit 3).
import atexit
import sys


def goodbye(name, log=[]):
    log.append(name)
    print("atexit", name, log)


atexit.register(goodbye, "first")
atexit.register(goodbye, "second")
print("exiting with 3")
sys.exit(3)
