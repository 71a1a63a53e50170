"""A small real test suite for the Reel pytest plugin (reel/pytest.py). Some of its tests fail on
purpose, so it is collected only when REEL_PYTEST_SUITE=1, which
tests/python/test_pytest_plugin.py sets when it runs pytest on a copy of this directory."""

import os

import pytest

if os.environ.get("REEL_PYTEST_SUITE") != "1":
    collect_ignore_glob = ["*.py"]


@pytest.fixture
def numbers():
    values = [1, 2, 3, 4]
    yield values
    values.clear()  # teardown runs inside the test's trace too


@pytest.fixture
def broken_resource():
    raise ConnectionError("fixture could not connect")
