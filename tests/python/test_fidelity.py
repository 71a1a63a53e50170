"""The acceptance test of the fidelity contract (issue 4, docs/values.md).

For every corpus program (tests/programs/*.py not starting with "_") on the interpreter under
test:
  1. record it:   $REEL_TEST_PYTHON -m reel record -o X.reel program.py   (PYTHONPATH=build/python/X.Y)
  2. export it:   build/reel export --states --only tests/programs X.reel
  3. run the reference tracer: tests/oracle/reel_oracle.py --only tests/programs program.py
and require the export to equal the oracle's JSON Lines byte for byte, line by line. The recorded
run must also behave exactly like a plain run: same stdout, stderr and exit status.

Every program runs in its own directory with PYTHONHASHSEED=0 (conftest.py), so set iteration
orders and hashes are the same in the plain, recorded and oracle runs.
"""

import json
import pathlib
import subprocess

import pytest

from conftest import PROGRAMS_DIR, RUN_TIMEOUT

# Lines of context shown before the first difference.
CONTEXT = 6

_recordings = {}


def _decode(b):
    return b.decode("utf-8", "surrogateescape")


@pytest.fixture
def recording(corpus_program, python_exe, reel_env, tmp_path_factory):
    """(trace path, (stdout, stderr, returncode) of the recorded run), recorded once per program."""
    if corpus_program not in _recordings:
        out_dir = tmp_path_factory.mktemp("fidelity-" + corpus_program.stem)
        trace = out_dir / (corpus_program.stem + ".reel")
        proc = subprocess.run(
            [python_exe, "-m", "reel", "record", "-o", str(trace), str(corpus_program)],
            cwd=corpus_program.parent, env=reel_env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        _recordings[corpus_program] = (
            trace, (_decode(proc.stdout), _decode(proc.stderr), proc.returncode))
    return _recordings[corpus_program]


def _first_difference(expected, actual):
    """A readable report of the first line where the two JSON Lines texts differ."""
    exp = expected.split("\n")
    act = actual.split("\n")
    n = min(len(exp), len(act))
    i = next((k for k in range(n) if exp[k] != act[k]), n)
    lines = ["first difference at line %d (oracle has %d lines, export has %d):"
             % (i + 1, len(exp) - (exp[-1] == ""), len(act) - (act[-1] == ""))]
    for k in range(max(0, i - CONTEXT), i):
        lines.append("   both  %5d  %s" % (k + 1, exp[k]))
    lines.append(" oracle  %5d  %s" % (i + 1, exp[i] if i < len(exp) else "<end>"))
    lines.append(" export  %5d  %s" % (i + 1, act[i] if i < len(act) else "<end>"))
    for k in range(i + 1, min(i + 3, max(len(exp), len(act)))):
        lines.append(" oracle  %5d  %s" % (k + 1, exp[k] if k < len(exp) else "<end>"))
        lines.append(" export  %5d  %s" % (k + 1, act[k] if k < len(act) else "<end>"))
    return "\n".join(lines)


def test_recorded_run_matches_plain_run(corpus_program, recording, run_plain):
    _, recorded = recording
    plain = run_plain(corpus_program)
    assert recorded[0] == plain[0], "stdout differs when recorded"
    assert recorded[1] == plain[1], "stderr differs when recorded"
    assert recorded[2] == plain[2], "exit status differs when recorded"


def test_export_matches_oracle(corpus_program, recording, reel_bin, run_oracle, tmp_path):
    trace, recorded = recording
    assert trace.exists(), "the recorder wrote no trace (stderr: %s)" % recorded[1][-2000:]

    proc = subprocess.run(
        [str(reel_bin), "export", "--states", "--only", str(PROGRAMS_DIR), str(trace)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, "reel export failed: %s" % _decode(proc.stderr)
    exported = proc.stdout.decode("utf-8", "surrogatepass")

    oracle_out = tmp_path / "oracle.jsonl"
    run_oracle(corpus_program, oracle_out, only=PROGRAMS_DIR)
    expected = oracle_out.read_bytes().decode("utf-8", "surrogatepass")
    assert expected, "the oracle produced no events"

    if exported != expected:
        pytest.fail(_first_difference(expected, exported), pytrace=False)


# Graphs whose deeper levels the recorder's change checks must get right too: the contract
# compares 3 levels, the recorder captures 4 (--max-depth's default), and a snapshot kept from an
# earlier capture or walk is reused whole, so an error below the third level would be carried
# along unseen. (purity_traps.py is left out: an instance dict's non-str key past the rendered
# depth is shown in full by the export and as "…" by the oracle, a rendering difference below
# the contract.)
DEEP_PROGRAMS = ["back_references", "patched_shapes", "shared_shapes", "mutation_reuse",
                 "mutation", "cycles", "targeted_traps", "containers_limits"]


@pytest.mark.parametrize("deep_program", DEEP_PROGRAMS)
def test_export_matches_oracle_at_capture_depth(deep_program, python_exe, reel_env, reel_bin,
                                                run_oracle, tmp_path):
    program = PROGRAMS_DIR / (deep_program + ".py")
    trace = tmp_path / (deep_program + ".reel")
    proc = subprocess.run(
        [python_exe, "-m", "reel", "record", "-o", str(trace), str(program)],
        cwd=program.parent, env=reel_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert trace.exists(), "the recorder wrote no trace (stderr: %s)" % _decode(proc.stderr)
    proc = subprocess.run(
        [str(reel_bin), "export", "--states", "--depth", "4", "--only", str(PROGRAMS_DIR),
         str(trace)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, "reel export failed: %s" % _decode(proc.stderr)
    oracle_out = tmp_path / "oracle.jsonl"
    run_oracle(program, oracle_out, only=PROGRAMS_DIR, depth=4)
    expected = oracle_out.read_bytes().decode("utf-8", "surrogatepass")
    assert expected, "the oracle produced no events"
    exported = proc.stdout.decode("utf-8", "surrogatepass")
    if exported != expected:
        pytest.fail(_first_difference(expected, exported), pytrace=False)


def test_json_export_agrees_with_states(corpus_program, recording, reel_bin):
    """`reel export --json` lists the same calls, returns and exceptions as `--states`."""
    trace, _ = recording
    assert trace.exists()

    def export(flag):
        proc = subprocess.run(
            [str(reel_bin), "export", flag, "--only", str(PROGRAMS_DIR), str(trace)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            timeout=RUN_TIMEOUT)
        assert proc.returncode == 0, _decode(proc.stderr)
        return proc.stdout.decode("utf-8", "surrogatepass")

    states = [json.loads(line) for line in export("--states").splitlines()]
    doc = json.loads(export("--json"))
    assert doc["reel_export"] == 1
    assert doc["argv"][0].endswith(corpus_program.name)

    calls = [(e["fn"], e["line"]) for e in states if e["ev"] == "call"]
    # A reentered activation (3.11's resumption without a 'call' event) has no call event.
    assert [(c["fn"], c["line"]) for c in doc["calls"] if not c["reentered"]] == calls
    excs = [(e["fn"], e["line"], e["exc"]) for e in states if e["ev"] == "exception"]
    assert [(x["fn"], x["line"], x["exc"]) for x in doc["exceptions"]] == excs
    # Every return line of --states is the end of one call of --json, in the same order.
    returns = [(e["fn"], e["line"], e["value"]) for e in states if e["ev"] == "return"]
    ends = sorted((c["end"]["event"], c["fn"], c["end"]["line"], c["end"]["value"])
                  for c in doc["calls"] if c["end"] is not None)
    assert [e[1:] for e in ends] == returns
    for c in doc["calls"]:
        assert c["depth"] >= 1 and (c["end"] is None or c["end"]["event"] > c["event"])


def test_export_rejects_bad_input(reel_bin, tmp_path):
    """Unreadable traces and bad arguments give one line on stderr and exit status 2."""
    missing = tmp_path / "missing.reel"
    garbage = tmp_path / "garbage.reel"
    garbage.write_bytes(b"this is not a trace\n" * 10)
    for args in (["export", "--states", str(missing)],
                 ["export", "--states", str(garbage)],
                 ["export", str(garbage)],
                 ["export", "--states"],
                 ["export", "--states", "--bogus", str(garbage)]):
        proc = subprocess.run([str(reel_bin), *args], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        err = _decode(proc.stderr)
        assert proc.returncode == 2, (args, err)
        assert err.startswith("reel: ") and err.count("\n") == 1, (args, err)
        assert proc.stdout == b"", args
