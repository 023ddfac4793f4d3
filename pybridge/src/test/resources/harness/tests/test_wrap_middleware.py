"""(req, call_next) middleware through the harness: runs under both harnesses, unchanged."""

import os

import pytest
from siphon_testing import HarnessError, HttpTestHarness

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "wrap_middleware.py")


@pytest.fixture
def h():
    harness = HttpTestHarness()
    harness.load_script(APP)
    yield harness
    harness.close()


def test_the_wrapper_sees_and_changes_every_answer(h):
    r = h.request("GET", "/hello")
    assert (r.status, r.body, r.headers["x-timing"]) == (200, b"hi", "1")
    guarded = h.request("GET", "/private/data")
    assert (guarded.status, guarded.headers["x-timing"]) == (401, "1")
    rescued = h.request("GET", "/missing/k1")
    assert (rescued.status, rescued.body) == (404, b"rescued: k1")


def test_failures_are_the_engines_500(h):
    boom = h.request("GET", "/boom")
    assert boom.status == 500
    assert "x-timing" not in boom.headers
    assert h.request("GET", "/not-a-response").status == 500
    assert h.request("GET", "/sync-touch").status == 500
    assert h.request("GET", "/sync-replace").status == 203


def test_a_middleware_with_three_parameters_is_refused(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from siphon import http\n\n@http.middleware\ndef three(req, call_next, extra):\n    return None\n")
    with pytest.raises(HarnessError, match="three takes 3 parameters"):
        HttpTestHarness().load_script(str(bad))


def test_unmatched_requests_reach_the_opted_in_middleware(h):
    missing = h.request("GET", "/nowhere/x")
    assert (missing.status, missing.body) == (404, b"<h1>no page at /nowhere/x</h1>")
    assert "x-timing" not in missing.headers
    moved = h.request("GET", "/old-hello")
    assert (moved.status, moved.headers["location"]) == (308, "/hello")
    wrong = h.request("POST", "/hello", body=b"x")
    assert (wrong.status, wrong.headers["allow"], wrong.headers["x-unmatched"]) == (405, "GET, HEAD", "405")
    assert h.request("GET", "/missing/%zz").status == 400
