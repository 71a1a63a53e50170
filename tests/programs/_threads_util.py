# Helper for the thread programs: start a thread and join it with no traced code in between.
# Between Thread.start() returning and join() blocking, the main thread would run a few traced
# opcodes while the new thread runs traced code: the interleaving would differ from run to run.
# The helper is compiled from a string (a "<string>" pseudo-file is never traced), so the main
# thread emits no events while a worker runs, and Thread objects (whose __dict__ holds OS thread
# ids) never appear in traced locals.
_ns = {}
exec(
    "import threading\n"
    "def run_thread(fn, *args):\n"
    "    t = threading.Thread(target=fn, args=args, name=fn.__name__)\n"
    "    t.start()\n"
    "    t.join()\n",
    _ns,
)
run_thread = _ns["run_thread"]
del _ns
