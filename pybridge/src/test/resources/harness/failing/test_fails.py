"""A test file whose one test fails: siphon-http test must exit 1 and show where."""
import os

from siphon_testing import HttpTestHarness

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app.py")


def test_passes():
    h = HttpTestHarness()
    h.load_script(APP)
    assert h.request("GET", "/users/1").status == 200
    h.close()


def test_wrong_expectation():
    h = HttpTestHarness()
    h.load_script(APP)
    status = h.request("GET", "/nope").status
    h.close()
    assert status == 200, f"got {status}"


def test_bare_assert():
    h = HttpTestHarness()
    h.load_script(APP)
    status = h.request("GET", "/nope").status
    h.close()
    assert status == 200
