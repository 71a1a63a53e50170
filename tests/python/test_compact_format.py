"""Format 1.2 compact value records (docs/format.md, "Format 1.2: compact values").

- A trace written by the format 1.1 recorder (tests/data/format-1.1-mutations.reel, recorded on
  CPython 3.12 from tests/data/format_mutations.py) still replays exactly as the 1.1 reader
  replayed it (its `reel export --states`, stored gzipped next to it).
- Today's recorder writes format 1.4 (requiredReaderMinor 4: the 1.2 compact records, the 1.3
  attribute sections of exceptions and the 1.4 REENTER record) with PATCH and relative records,
  `reel verify` accepts the file, and on 3.12 its states equal the 1.1 recording's: the encoding
  changed, the recorded values did not.
- `reel dump --values --resolved` prints each patch as the record it stands for: its base, itself
  resolved, with the changed items replaced.
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


def _record_mutations(source_dir, python_exe, reel_env, tmp_path):
    """Records tests/data/format_mutations.py (its frames only); returns the trace."""
    prog = tmp_path / "format_mutations.py"
    shutil.copy(source_dir / DATA / "format_mutations.py", prog)
    trace = tmp_path / "new.reel"
    rec = subprocess.run([python_exe, "-m", "reel", "record", "--only", str(tmp_path), "-o",
                          str(trace), str(prog)], cwd=tmp_path, env=reel_env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert rec.returncode == 0, rec.stderr.decode()
    return trace


def test_recorder_writes_compact_records(reel_bin, source_dir, python_exe, pyver, reel_env,
                                         tmp_path):
    trace = _record_mutations(source_dir, python_exe, reel_env, tmp_path)
    info = json.loads(subprocess.run([str(reel_bin), "info", "--json", str(trace)],
                                     stdout=subprocess.PIPE, check=True, timeout=60).stdout)
    assert info["formatVersion"] == "1.4"
    assert info["requiredReaderMinor"] == 4
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


def _dump_values(reel_bin, trace, *flags):
    out = subprocess.run([str(reel_bin), "dump", "--values", *flags, str(trace)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    return {r["value"]: r for r in map(json.loads, out.stdout.decode().splitlines())
            if r.get("kind") in VALUE_KINDS}


VALUE_KINDS = {"int", "bigint", "float", "complex", "str", "bytes", "bytearray", "list", "tuple",
               "set", "frozenset", "dict", "object", "exception", "function", "class", "module",
               "opaque", "subclass", "truncated", "cycle", "generator", "patch"}


def test_dump_resolves_patches(reel_bin, source_dir, python_exe, reel_env, tmp_path):
    trace = _record_mutations(source_dir, python_exe, reel_env, tmp_path)
    raw = _dump_values(reel_bin, trace)
    resolved = _dump_values(reel_bin, trace, "--resolved")
    assert raw.keys() == resolved.keys()
    patches = [r for r in raw.values() if r["kind"] == "patch"]
    assert len(patches) >= 10
    for vid, r in raw.items():
        if r["kind"] != "patch":
            assert resolved[vid] == r
            continue
        # Applied here from the stored form: the base as resolved, its items replaced.
        base = resolved[r["base"]]
        assert r["base"] < vid and base["kind"] != "patch"
        want = dict(base, value=vid)
        field = "attrs" if base["kind"] == "object" else "items"
        items = [list(a) if field == "attrs" else a for a in base[field]]
        count = r.get("count", len(items) // 2 if base["kind"] == "dict" else len(items))
        size = 2 * count if base["kind"] == "dict" else count
        items = (items + [None] * size)[:size]
        for index, ref in r["changes"]:
            if field == "attrs":
                items[index][1] = ref
            else:
                items[index] = ref
        assert None not in items
        want[field] = items
        if "length" in r:
            want["length"] = r["length"]
        assert resolved[vid] == want, (r, base)
