"""examples/sse.py (docs/cookbook.md, "Server-sent events"), under either harness:

    PYTHONPATH=python/siphon-testing python3 -m pytest examples/tests/test_sse.py
    bin/siphon-http test examples/tests/test_sse.py

A feed never ends, so ``h.request()`` (which reads a response to its end) cannot read it; the
tests subscribe with ``h.stream()``, which returns at the response's head and reads the body a
chunk at a time, publish with ``h.request()`` meanwhile, and close the stream as a client that
leaves (the feed's ``finally`` drops its queue).
"""

import pathlib
import time
from collections.abc import Iterator

import pytest
from siphon_testing import HttpTestHarness, StreamedResponse

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "sse.py"


@pytest.fixture
def h() -> Iterator[HttpTestHarness]:
    harness = HttpTestHarness()
    harness.load_script(SCRIPT)
    yield harness
    harness.close()


def test_a_subscriber_gets_the_feeds_head_and_a_comment(h: HttpTestHarness) -> None:
    with h.stream("GET", "/events") as feed:
        assert feed.status == 200
        assert feed.headers["content-type"] == "text/event-stream"
        assert feed.headers["cache-control"] == "no-cache"
        assert feed.headers["transfer-encoding"] == "chunked"  # no length: it goes on
        assert feed.next_chunk() == b": connected\n\n"


def subscribe(h: HttpTestHarness) -> StreamedResponse:
    feed = h.stream("GET", "/events")
    assert feed.next_chunk() == b": connected\n\n"
    return feed


def test_a_published_event_reaches_the_subscriber(h: HttpTestHarness) -> None:
    with subscribe(h) as feed:
        r = h.request("POST", "/publish", body="deploy finished")
        assert (r.status, r.body) == (202, b"delivered to 1\n")
        assert feed.next_chunk() == b"id: 1\ndata: deploy finished\n\n"
        h.request("POST", "/publish", body="line one\nline two")
        assert feed.next_chunk() == b"id: 2\ndata: line one\ndata: line two\n\n"
        h.request("POST", "/publish", body="")
        assert feed.next_chunk() == b"id: 3\ndata: \n\n"


def test_every_subscriber_gets_every_event(h: HttpTestHarness) -> None:
    with subscribe(h) as a, subscribe(h) as b:
        assert h.request("POST", "/publish", body="hello").body == b"delivered to 2\n"
        assert a.next_chunk() == b"id: 1\ndata: hello\n\n"
        assert b.next_chunk() == b"id: 1\ndata: hello\n\n"


def test_a_subscriber_that_leaves_is_forgotten(h: HttpTestHarness) -> None:
    assert h.request("POST", "/publish", body="nobody").body == b"delivered to 0\n"
    feed = subscribe(h)
    assert h.request("POST", "/publish", body="one").body == b"delivered to 1\n"
    feed.close()  # the client goes away: the iterator is closed, its finally drops the queue
    # in the engine the iterator is closed on the worker's loop, as after a real client left:
    # publishing may reach it first
    deadline = time.monotonic() + 5
    while (r := h.request("POST", "/publish", body="two")).body != b"delivered to 0\n":
        assert time.monotonic() < deadline, r.body
        time.sleep(0.05)


def test_the_feed_is_get_only(h: HttpTestHarness) -> None:
    assert h.request("POST", "/events").status == 405
    assert h.request("GET", "/publish").status == 405
