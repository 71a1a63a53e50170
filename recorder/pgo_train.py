"""The training run of the recorder's profile-guided build (recorder/CMakeLists.txt, REEL_PGO).

    pgo_train.py --python EXE --pythonpath DIR --gen-objects DIR --use-objects DIR --stamp FILE
                 PROGRAM.py...

Records each program with the instrumented extension (`EXE -m reel record`, PYTHONPATH=DIR), so
that its counters land in .gcda files next to the instrumented objects (GEN-OBJECTS), then copies
them by name next to the objects of the extension that is built from them (USE-OBJECTS), where
gcc's -fprofile-use looks for them. A program that fails or hangs is reported and skipped: the
profile only steers code layout and inlining, so a thin profile gives a slower extension, never a
wrong one. With no profile at all the extension is built as without REEL_PGO.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def gcda_files(directory):
    return sorted(Path(directory).rglob("*.gcda"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", required=True)
    ap.add_argument("--pythonpath", required=True)
    ap.add_argument("--gen-objects", required=True)
    ap.add_argument("--use-objects", required=True)
    ap.add_argument("--stamp", required=True)
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("programs", nargs="+")
    args = ap.parse_args()

    # Counters of an earlier instrumented build do not match the current objects.
    for f in gcda_files(args.gen_objects):
        f.unlink()
    env = dict(os.environ, PYTHONPATH=args.pythonpath)
    started = time.monotonic()
    failed = []
    with tempfile.TemporaryDirectory(prefix="reel-pgo-") as tmp:
        for i, program in enumerate(args.programs):
            program = Path(program).resolve()
            argv = [args.python, "-m", "reel", "record", "-o", f"{tmp}/{i}.reel", str(program)]
            try:
                # Many of the programs fail on purpose (uncaught exceptions, sys.exit(3)): only a
                # missing trace means the recorder did not run.
                subprocess.run(argv, cwd=program.parent, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=args.timeout)
                if not Path(f"{tmp}/{i}.reel").exists():
                    failed.append(program.name)
            except subprocess.TimeoutExpired:
                failed.append(f"{program.name} (timed out)")

    profiles = gcda_files(args.gen_objects)
    use = Path(args.use_objects)
    use.mkdir(parents=True, exist_ok=True)
    for f in gcda_files(use):
        f.unlink()
    for f in profiles:
        shutil.copyfile(f, use / f.name)
    note = (f"{len(profiles)} profiles from {len(args.programs) - len(failed)} of "
            f"{len(args.programs)} programs in {time.monotonic() - started:.1f} s")
    if failed:
        note += "; not recorded: " + ", ".join(failed)
    print(f"reel PGO training ({args.python}): {note}")
    if not profiles:
        print("reel PGO training: no profile written; the recorder is built without one",
              file=sys.stderr)
    Path(args.stamp).write_text(note + "\n")


if __name__ == "__main__":
    main()
