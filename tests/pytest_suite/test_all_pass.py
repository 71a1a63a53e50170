import os
import sys

import pytest

import shop


@pytest.mark.parametrize("a, b, q", [(6, 3, 2), (1, 4, 0.25)])
def test_divide(a, b, q):
    assert shop.divide(a, b) == q


def test_raises():
    with pytest.raises(ZeroDivisionError):
        shop.divide(1, 0)


def test_environment_is_the_users():
    # `reel pytest` adds Reel's package to PYTHONPATH for the plugin; the tests see the original.
    expected = os.environ.get("REEL_SUITE_EXPECT_PYTHONPATH")
    if expected is not None:
        assert os.environ.get("PYTHONPATH", "") == expected


def test_capsys_sees_what_the_test_prints(capsys):
    # The plugin's output forwarders sit inside pytest's capture and must not hide anything.
    print("hello")
    sys.stderr.write("warn\n")
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("hello\n", "warn\n")


def test_capfd_sees_raw_fd_writes(capfd):
    os.write(1, b"raw\n")
    sys.stdout.buffer.write(b"bytes\n")
    sys.stdout.flush()
    assert capfd.readouterr().out == "raw\nbytes\n"
