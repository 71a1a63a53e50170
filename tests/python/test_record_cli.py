"""What `reel record` and `python -m reel record` refuse before the program runs: one message,
status 2, and the program never started (the launcher, reel/_launcher.py, checks for both)."""

import subprocess

import pytest

from conftest import RUN_TIMEOUT, _decode


def _front_end(name, reel_bin, python_exe):
    if name == "cli":
        return [str(reel_bin), "record", "--python", python_exe]
    return [python_exe, "-m", "reel", "record"]


@pytest.mark.parametrize("front_end", ["cli", "python -m"])
@pytest.mark.parametrize("args, message", [
    # The recorder keeps buffers per depth level and reads 32-bit limits: these would take
    # gigabytes, fail to allocate, or wrap to 0.
    (["--max-depth", "10000000"], "--max-depth must be at most 1000, not 10000000"),
    (["--max-depth=4294967296"], "--max-depth must be at most 1000"),
    (["--max-items", "99999999999999999999999"], "--max-items must be at most 1000000"),
    (["--max-str", "4294967296"], "--max-str must be at most 10000000"),
    (["--origin-depth", "4294967296"], "--origin-depth must be at most 1000"),
    (["-o", "d.reel"], "the output 'd.reel' is a directory"),
    ([], "the output 'prog.reel' is a directory"),  # the default output, NAME.reel
    (["-o", "nowhere/x.reel"], "there is no directory"),
    (["--redact", "(", "-o", "r.reel"], "invalid --redact pattern"),
])
def test_record_refuses_before_running(reel_bin, python_exe, reel_env, tmp_path, front_end, args,
                                       message):
    (tmp_path / "d.reel").mkdir()
    (tmp_path / "prog.reel").mkdir()
    prog = tmp_path / "prog.py"
    prog.write_text("open('ran', 'w').close()\n")
    proc = subprocess.run([*_front_end(front_end, reel_bin, python_exe), *args, str(prog)],
                          cwd=tmp_path, env=reel_env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    err = _decode(proc.stderr)
    assert proc.returncode == 2, err
    assert err.startswith("reel: ") and "reel: reel:" not in err, err
    assert message in err
    assert not (tmp_path / "ran").exists()  # refused before the program ran


def test_record_accepts_the_largest_limits(reel_bin, python_exe, tmp_path, dump):
    prog = tmp_path / "deep.py"
    prog.write_text("x = [[[[[1]]]]]\ns = 'y' * 300\n")
    proc = subprocess.run([str(reel_bin), "record", "--python", python_exe, "--max-depth", "1000",
                           "--max-items", "1000000", "--max-str", "10000000", "--origin-depth",
                           "1000", "-o", "deep.reel", str(prog)], cwd=tmp_path,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
    assert proc.returncode == 0, _decode(proc.stderr)
    assert any(r.get("kind") == "call" for r in dump(tmp_path / "deep.reel"))
