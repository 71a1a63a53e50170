"""Format 1.2 compact value records (docs/format.md, "Format 1.2: compact values").

- A trace written by the format 1.1 recorder (tests/data/format-1.1-mutations.reel, recorded on
  CPython 3.12 from tests/data/format_mutations.py) still replays exactly as the 1.1 reader
  replayed it (its `reel export --states`, stored gzipped next to it).
- Today's recorder writes format 1.3 (requiredReaderMinor 3: the 1.2 compact records plus the 1.3
  attribute sections of exceptions) with PATCH and relative records,
  `reel verify` accepts the file, and on 3.12 its states equal the 1.1 recording's: the encoding
  changed, the recorded values did not.
"""

import gzip
import json
import shutil
import subprocess

DATA = "tests/data"


def _export_states(reel_bin, trace):
    out = subprocess.run([str(reel_bin), "export", "--states", str(trace)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout


def _expected(source_dir):
    return gzip.decompress((source_dir / DATA / "format-1.1-mutations.states.jsonl.gz").read_bytes())


def test_format_1_1_trace_replays_as_before(reel_bin, source_dir):
    old = source_dir / DATA / "format-1.1-mutations.reel"
    info = json.loads(subprocess.run([str(reel_bin), "info", "--json", str(old)],
                                     stdout=subprocess.PIPE, check=True, timeout=60).stdout)
    assert info["formatVersion"] == "1.1"
    assert info["requiredReaderMinor"] == 0
    assert subprocess.run([str(reel_bin), "verify", str(old)], stdout=subprocess.PIPE,
                          timeout=60).returncode == 0
    assert _export_states(reel_bin, old) == _expected(source_dir)


def test_recorder_writes_compact_records(reel_bin, source_dir, python_exe, pyver, reel_env,
                                         tmp_path):
    prog = tmp_path / "format_mutations.py"
    shutil.copy(source_dir / DATA / "format_mutations.py", prog)
    trace = tmp_path / "new.reel"
    rec = subprocess.run([python_exe, "-m", "reel", "record", "--only", str(tmp_path), "-o",
                          str(trace), str(prog)], cwd=tmp_path, env=reel_env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert rec.returncode == 0, rec.stderr.decode()
    info = json.loads(subprocess.run([str(reel_bin), "info", "--json", str(trace)],
                                     stdout=subprocess.PIPE, check=True, timeout=60).stdout)
    assert info["formatVersion"] == "1.3"
    assert info["requiredReaderMinor"] == 3
    assert subprocess.run([str(reel_bin), "verify", str(trace)], stdout=subprocess.PIPE,
                          timeout=60).returncode == 0
    dump = subprocess.run([str(reel_bin), "dump", "--values", str(trace)],
                          stdout=subprocess.PIPE, check=True, timeout=60).stdout.decode()
    kinds = [json.loads(line).get("kind") for line in dump.splitlines()]
    # Stores into the lists and attribute changes of the bodies become patches of the previous
    # snapshot of the same object.
    assert kinds.count("patch") >= 10
    if pyver == "3.12":
        # Same program, same interpreter as the stored 1.1 recording: same states (the path of
        # the program differs, and the states do not contain it).
        assert _export_states(reel_bin, trace) == _expected(source_dir)
