#!/usr/bin/env python3
"""Recorder overhead, side by side in one run (bench/run convention: JSON figures on stdout).

For every CPython the recorder was built for (build/python/interpreters.txt) and every workload
in bench/workloads/, four runs of the same script, each timing itself (the "elapsed" line it
writes to stderr, so interpreter start-up and trace closing are not counted):
  plain   python workload.py
  floor   python bench/floor_tracer.py bench/workloads workload.py   (the recorder's own hook and
          filter with C callbacks that only count: the count-only C floor; recording must stay
          within 1.6x of it. Extension bench/floor/reel_floor.cpp, built by the default target)
  noop    python bench/noop_tracer.py workload.py   (pure-Python sys.settrace opcode tracer that
          records nothing: the baseline the recorder must beat by 2x)
  reel    python -m reel record --only bench/workloads -o T.reel workload.py
Figures: ratios to plain, reel time / floor time, events of the floor and of the recording,
opcode events/s while recording, bytes/event on disk, peak RSS.
Environment: REEL_BUILD_DIR (default build/), REEL_BENCH_REPEAT (runs per mode, median; default 3),
REEL_FLOOR_HOOK (the floor's hook: settrace|monitoring|instruction, default the recorder's default
hook of each version, see bench/floor_tracer.py).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if not (ROOT / "workloads").is_dir():  # run from BUILD/bench: the sources are found via the build
    ROOT = Path(os.environ.get("REEL_SOURCE_DIR", Path(__file__).resolve().parents[2])) / "bench"
SOURCE = ROOT.parent
BUILD = Path(os.environ.get("REEL_BUILD_DIR", SOURCE / "build")).resolve()
REPEAT = int(os.environ.get("REEL_BENCH_REPEAT", "3"))


def interpreters():
    listing = BUILD / "python" / "interpreters.txt"
    for line in listing.read_text().split():
        ver, exe = line.split("=", 1)
        yield ver, exe


def run(argv, env):
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv} failed:\n{err}")
    elapsed = [float(l.split()[1]) for l in err.splitlines() if l.startswith("elapsed ")]
    if not elapsed:
        raise RuntimeError(f"{argv} printed no elapsed line:\n{err}")
    return elapsed[-1], usage.ru_maxrss * 1024, err


def floor_count(err):
    """(events, hook) from floor_tracer.py's last line on stderr."""
    found = re.findall(r"^floor events (\d+) opcodes \d+ hook (\S+)$", err, re.M)
    if not found:
        raise RuntimeError(f"floor_tracer.py printed no count line:\n{err}")
    return int(found[-1][0]), found[-1][1]


def figure(name, value, unit, note=None):
    d = {"name": name, "value": value, "unit": unit}
    if note:
        d["note"] = note
    print(json.dumps(d), flush=True)


def main():
    reel = BUILD / "reel"
    workloads = sorted((ROOT / "workloads").glob("*.py"))
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "bench.reel"
        for ver, exe in interpreters():
            env = dict(os.environ, PYTHONHASHSEED="0",
                       PYTHONPATH=str(BUILD / "python" / ver))
            if not list((BUILD / "python" / ver).glob("reel_floor*.so")):
                raise SystemExit(f"bench_recorder: no reel_floor extension in {BUILD}/python/"
                                 f"{ver}: build the default target (bench/floor/CMakeLists.txt)")
            for wl in workloads:
                times = {"plain": [], "floor": [], "noop": [], "reel": []}
                rss = {}
                events = size = floor_events = 0
                floor_hook = ""
                # Interleaved rounds: a load change on the shared machine hits every mode alike.
                for _ in range(REPEAT):
                    for mode, argv in (
                        ("plain", [exe, str(wl)]),
                        ("floor", [exe, str(ROOT / "floor_tracer.py"), str(ROOT / "workloads"),
                                   str(wl)]),
                        ("noop", [exe, str(ROOT / "noop_tracer.py"), str(wl)]),
                        ("reel", [exe, "-m", "reel", "record", "--only", str(ROOT / "workloads"),
                                  "-o", str(trace), str(wl)]),
                    ):
                        t, r, err = run(argv, env)
                        times[mode].append(t)
                        rss[mode] = max(rss.get(mode, 0), r)
                        if mode == "floor":
                            floor_events, floor_hook = floor_count(err)
                    info = json.loads(subprocess.run([str(reel), "info", "--json", "--quick", str(trace)],
                                                     capture_output=True, check=True).stdout)
                    events, size = info["events"], trace.stat().st_size
                med = {m: statistics.median(v) for m, v in times.items()}
                key = f"py{ver}.{wl.stem}"
                figure(f"{key}.plain_s", med["plain"], "s")
                figure(f"{key}.noop_tracer_ratio", med["noop"] / med["plain"], "x plain")
                figure(f"{key}.reel_ratio", med["reel"] / med["plain"], "x plain")
                figure(f"{key}.reel_vs_noop", med["noop"] / med["reel"], "x faster than noop tracer")
                figure(f"{key}.floor_ratio", med["floor"] / med["plain"], "x plain",
                       f"count-only C floor, hook {floor_hook}")
                figure(f"{key}.reel_vs_floor", med["reel"] / med["floor"], "x floor",
                       "reel time / floor time; issue 3 target <= 1.6")
                figure(f"{key}.events", events, "events")
                figure(f"{key}.floor_events", floor_events, "events",
                       f"reel {events}, difference {floor_events - events:+d}")
                figure(f"{key}.events_per_s", events / med["reel"], "events/s")
                figure(f"{key}.bytes_per_event", size / max(events, 1), "bytes/event")
                figure(f"{key}.reel_peak_rss_mb", rss["reel"] / 2**20, "MiB",
                       f"plain {rss['plain'] / 2**20:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
