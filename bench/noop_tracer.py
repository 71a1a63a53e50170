"""The baseline for bench_recorder: a pure-Python sys.settrace tracer that asks for every opcode
event and records nothing. Usage: python noop_tracer.py script.py"""
import runpy
import sys
import threading


def tracer(frame, event, arg):
    if event == "call":
        # 3.13 honours f_trace_opcodes only once the frame has a trace function.
        frame.f_trace = tracer
        frame.f_trace_opcodes = True
    return tracer


script = sys.argv[1]
sys.argv = sys.argv[1:]
# 3.12 delivers opcode events only if the flag was set through the setter before settrace().
sys._getframe().f_trace_opcodes = True
threading.settrace(tracer)
sys.settrace(tracer)
runpy.run_path(script, run_name="__main__")
