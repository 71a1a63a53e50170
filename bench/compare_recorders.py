"""Two builds of the recorder side by side: each workload of bench/workloads under `reel record`
with build A's extension, then build B's, alternating, on every interpreter both builds have.
Prints the medians and B's speed-up, so a change is measured in one run on the same machine.

    python3 bench/compare_recorders.py BUILD_A BUILD_B [rounds] [PROGRAM.py ...]

A and B are build directories (their python/<X.Y>/ hold the `reel` package). The programs
default to bench/workloads/*.py; each must print "elapsed SECONDS" to stderr (bench/cases do).
Each is recorded with `--only` its own directory, unless REEL_COMPARE_ONLY=0: then everything
is recorded (for cases whose work is in the standard library, like bench/cases/json_nesting.py).
REEL_COMPARE_ENV_A and REEL_COMPARE_ENV_B ("NAME=VALUE NAME=VALUE") are set for A's and B's runs
only: one build against itself with a switch off (`REEL_COMPARE_ENV_A="REEL_IDENTITY_DEDUP=0"
python3 bench/compare_recorders.py build build 7`). The order alternates from round to round (the
first run of a pair was measured up to 5% slower on the same binary).
"""
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
ONLY = os.environ.get("REEL_COMPARE_ONLY", "1") != "0"
EXTRA_ENV = tuple(dict(item.split("=", 1) for item in os.environ.get(name, "").split())
                  for name in ("REEL_COMPARE_ENV_A", "REEL_COMPARE_ENV_B"))


def interpreters(build):
    for line in (Path(build) / "python" / "interpreters.txt").read_text().split():
        ver, exe = line.split("=", 1)
        yield ver, exe


def elapsed(argv, env):
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                          text=True, check=True)
    for line in proc.stderr.splitlines():
        if line.startswith("elapsed "):
            return float(line.split()[1])
    raise RuntimeError(f"{argv} printed no elapsed line:\n{proc.stderr}")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    a, b = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    workloads = [Path(p).resolve() for p in sys.argv[4:]] or sorted((ROOT / "workloads").glob("*.py"))
    print("| python | workload | A | B | B speed-up |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        trace = str(Path(tmp) / "t.reel")
        for ver, exe in interpreters(b):
            for wl in workloads:
                times = ([], [])
                for r in range(rounds):
                    for side in ((0, 1) if r % 2 == 0 else (1, 0)):
                        build = (a, b)[side]
                        env = dict(os.environ, PYTHONHASHSEED="0",
                                   PYTHONPATH=str(build / "python" / ver))
                        env.update(EXTRA_ENV[side])
                        only = ["--only", str(wl.parent)] if ONLY else []
                        times[side].append(elapsed(
                            [exe, "-m", "reel", "record", *only, "-o", trace, str(wl)], env))
                ma, mb = statistics.median(times[0]), statistics.median(times[1])
                print(f"| {ver} | {wl.stem} | {ma:.2f} s | {mb:.2f} s | {ma / mb:.2f}x |",
                      flush=True)


if __name__ == "__main__":
    main()
