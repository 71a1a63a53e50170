"""The count-only C floor for bench_recorder: the recorder's hook with callbacks that only count
(bench/floor/reel_floor.cpp, built per CPython into BUILD/python/<X.Y>, so run it with that
directory on PYTHONPATH).

Usage: python floor_tracer.py DIR script.py [args...]

Code whose file is under DIR is traced (as `reel record --only DIR`). The hook is the recorder's
default on this version: sys.monitoring on 3.12+ ("monitoring"), PyEval_SetTrace + opcode events
on 3.11 ("settrace"); REEL_FLOOR_HOOK=settrace|monitoring|instruction overrides it ("instruction":
only PY_START + INSTRUCTION, the bare floor of the notes). On 3.12+ the callbacks are objects
called through their vectorcall slot, as the recorder's are; REEL_FLOOR_CALLABLE=fastcall makes
them METH_FASTCALL builtins, as in the notes' measurement (about 30 instructions more per
event). At exit it writes to stderr

    floor events N opcodes M hook NAME

where N counts what the recorder numbers as events (opcode, call, return, exception), so it is
comparable to `reel info --json` "events" of a recording of the same run."""
import os
import runpy
import sys
import threading

import reel_floor

directory = os.path.abspath(sys.argv[1])
script = os.path.abspath(sys.argv[2])  # code is named by its absolute path, as reel record does
sys.argv = sys.argv[2:]
sys.path[0] = os.path.dirname(os.path.realpath(script))
hook = os.environ.get("REEL_FLOOR_HOOK") or (
    "monitoring" if sys.version_info >= (3, 12) else "settrace")
# sys.monitoring reports every thread; legacy tracing reaches threads started later only through
# threading (thread_entry installs the C trace function in them).
if hook == "settrace":
    threading.settrace(reel_floor.thread_entry)
reel_floor.start(hook, directory, os.environ.get("REEL_FLOOR_CALLABLE") or "vectorcall")
try:
    runpy.run_path(script, run_name="__main__")
finally:
    reel_floor.stop()
    if hook == "settrace":
        threading.settrace(None)
    counts = reel_floor.counts()
    sys.stderr.write(f"floor events {counts['events']} opcodes {counts['opcodes']} hook {hook}\n")
