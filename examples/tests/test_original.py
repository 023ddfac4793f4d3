"""examples/original.py (docs/cookbook.md, "A script from the original"), under either harness:

    PYTHONPATH=python/siphon-testing python3 -m pytest examples/tests/test_original.py
    bin/siphon-http test examples/tests/test_original.py
"""

import pathlib
from collections.abc import Iterator

import pytest
from siphon_testing import HttpTestHarness

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "original.py"


@pytest.fixture
def h() -> Iterator[HttpTestHarness]:
    harness = HttpTestHarness()
    harness.load_script(SCRIPT)
    yield harness
    harness.close()


def test_the_subscription_check_echoes_the_challenge(h: HttpTestHarness) -> None:
    r = h.request("GET", "/webhook?hub.challenge=abc123")
    assert (r.status, r.body) == (200, b"abc123")
    r = h.request("GET", "/webhook", query_params={"hub.challenge": "a b&c", "hub.mode": "subscribe"})
    assert r.body == b"a b&c"
    assert h.request("GET", "/webhook").body == b""


def test_a_delivery_is_accepted_and_logged(h: HttpTestHarness) -> None:
    r = h.request("POST", "/webhook", body=b"ping", client="203.0.113.9:40000")
    assert r.status == 202
    assert r.body == b"accepted ping"
    assert r.headers["content-type"] == "text/plain"
    assert h.log.messages == [("info", "webhook delivery of 4 bytes from 203.0.113.9:40000")]
    r = h.request("POST", "/webhook")
    assert (r.status, r.body) == (202, b"accepted ")


def test_head_and_the_engines_answers(h: HttpTestHarness) -> None:
    head = h.request("HEAD", "/webhook?hub.challenge=xyz")
    assert (head.status, head.body) == (200, b"")
    assert head.headers["content-length"] == "3"
    r = h.request("PUT", "/webhook")
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD, POST"
    assert h.request("GET", "/webhook/extra").status == 404
    assert h.log.messages == []
