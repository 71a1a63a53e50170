"""Privacy options of the recorder (issue 6): `--redact PATTERN` records the values of matching
names (locals, attributes, str dict keys, module globals) as <redacted> without reading them, and
`--no-values` records control flow and types only. The secret never reaches the trace: checked on
the decompressed records (`reel dump`), on the exported states and on the raw file bytes."""

import json
import os
import subprocess
import textwrap

import pytest

from conftest import RUN_TIMEOUT

SECRET = "hunter2-Xyzzy-5150"

PROGRAM = textwrap.dedent("""
    import os

    class Creds:
        def __init__(self, user, password):
            self.user = user
            self.password = password

    class Slotted:
        __slots__ = ("name", "api_token")

    def login(user, password):
        c = Creds(user, password)
        cfg = {"api_token": password, "host": "example.org", "nested": {"Secret": password}}
        s = Slotted()
        s.name = user
        s.api_token = password
        n = len(password)
        return c, cfg, s, n

    class LoginFailed(Exception):
        pass

    secret = os.environ["PRIVACY_SECRET"]
    creds, cfg, slotted, n = login("alice", secret)
    failure = LoginFailed("denied", "alice")
    failure.password = secret
    print("done", n)
""")


def _decode(b):
    return b.decode("utf-8", "surrogateescape")


@pytest.fixture
def program(tmp_path):
    path = tmp_path / "secret_prog.py"
    path.write_text(PROGRAM)
    return path


@pytest.fixture
def run_recorder(python_exe, reel_env):
    def run(program, *flags):
        trace = program.with_suffix(".reel")
        env = dict(reel_env, PRIVACY_SECRET=SECRET)
        # --only: the secret also passes through os.environ's own (unnamed) frames, which
        # redaction by name does not cover (docs/values.md).
        proc = subprocess.run(
            [python_exe, "-m", "reel", "record", "-o", str(trace), "--only", str(program.parent),
             *flags, str(program)],
            cwd=program.parent, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        return trace, _decode(proc.stdout), _decode(proc.stderr), proc.returncode
    return run


def _reel(reel_bin, *args):
    proc = subprocess.run([str(reel_bin), *map(str, args)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    return proc.stdout.decode("utf-8", "surrogatepass")


def _last_module_locals(states):
    lines = [json.loads(l) for l in states.splitlines()]
    ops = [l for l in lines if l["ev"] == "opcode" and l["fn"] == "<module>"]
    return ops[-1]["locals"]


def test_unredacted_recording_contains_the_secret(program, run_recorder, reel_bin):
    # The control: without --redact the checks below would find the secret.
    trace, out, err, rc = run_recorder(program)
    assert rc == 0, err
    assert SECRET in _reel(reel_bin, "dump", "--values", "--defs", trace)


def test_redact_keeps_the_secret_out_of_the_trace(program, run_recorder, reel_bin):
    trace, out, err, rc = run_recorder(program, "--redact", "password|token|secret")
    assert rc == 0, err
    assert out == "done %d\n" % len(SECRET)

    dumped = _reel(reel_bin, "dump", "--values", "--defs", trace)
    assert SECRET not in dumped
    assert SECRET.encode() not in trace.read_bytes()
    states = _reel(reel_bin, "export", "--states", trace)
    assert SECRET not in states

    loc = _last_module_locals(states)
    assert loc["secret"] == "<redacted>"
    assert loc["creds"] == "<Creds user='alice' password=<redacted>>"
    # The key stays visible, the value is hidden; matching is case-insensitive ("Secret").
    assert loc["cfg"] == ("{'api_token': <redacted>, 'host': 'example.org', "
                          "'nested': {'Secret': <redacted>}}")
    assert loc["slotted"] == "<Slotted name='alice' api_token=<redacted>>"
    # An exception's attributes (format 1.3) are redacted by name too.
    assert loc["failure"] == "LoginFailed('denied', 'alice')"
    assert loc["n"] == str(len(SECRET))  # not a matching name: recorded
    login = [json.loads(l) for l in states.splitlines()]
    login = [l for l in login if l["ev"] == "opcode" and l["fn"] == "login"]
    assert login[0]["locals"]["password"] == "<redacted>"
    assert login[0]["locals"]["user"] == "'alice'"

    info = _reel(reel_bin, "info", trace)
    assert "redact=password|token|secret" in info
    js = json.loads(_reel(reel_bin, "info", "--json", trace))
    assert js["capture"]["redact"] == "password|token|secret"
    assert js["capture"]["noValues"] is False


def test_no_values_records_types_and_control_flow_only(program, run_recorder, reel_bin):
    full, _, err, rc = run_recorder(program)
    assert rc == 0, err
    full_states = _reel(reel_bin, "export", "--states", full)
    bare = program.parent / "bare.py"
    bare.write_text(PROGRAM)
    trace, out, err, rc = run_recorder(bare, "--no-values")
    assert rc == 0, err
    assert out == "done %d\n" % len(SECRET)
    assert SECRET not in _reel(reel_bin, "dump", "--values", "--defs", trace)
    assert SECRET.encode() not in trace.read_bytes()
    states = _reel(reel_bin, "export", "--states", trace)
    assert "alice" not in states and "example.org" not in states

    # Same events at the same places; every value is its type.
    def skeleton(text):
        return [(l["ev"], l["fn"], l.get("line"), l.get("off"), list(l.get("locals", {})))
                for l in map(json.loads, text.splitlines())]
    assert skeleton(states) == skeleton(full_states)
    loc = _last_module_locals(states)
    assert loc["secret"] == "<str object>"
    assert loc["creds"] == "<Creds object>"
    assert loc["cfg"] == "<dict object>"
    assert loc["n"] == "<int object>"

    info = _reel(reel_bin, "info", trace)
    assert "no-values" in info
    js = json.loads(_reel(reel_bin, "info", "--json", trace))
    assert js["capture"]["noValues"] is True


def test_python_api_redacts(python_exe, reel_env, tmp_path, reel_bin):
    trace = tmp_path / "api.reel"
    code = textwrap.dedent("""
        import sys, reel
        def work(token):
            box = {"token": token, "other": 1}
            return len(box)
        with reel.record(sys.argv[1], redact="token", only=[sys.argv[2]]):
            work(sys.argv[3][::-1])
    """)
    script = tmp_path / "api_prog.py"
    script.write_text(code)
    proc = subprocess.run([python_exe, str(script), str(trace), str(tmp_path), SECRET[::-1]],
                          env=reel_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    dumped = _reel(reel_bin, "dump", "--values", "--defs", trace)
    assert SECRET not in dumped
    assert '"Redacted"' in dumped
    assert "redact=token" in _reel(reel_bin, "info", trace)


def test_invalid_pattern_is_refused(program, run_recorder):
    trace, out, err, rc = run_recorder(program, "--redact", "(unclosed")
    assert rc == 2
    assert "invalid --redact pattern" in err
    assert out == ""
