"""Streaming routes and responses through the harness: runs under both harnesses, unchanged."""

import os
import time

import pytest
from siphon import http
from siphon_testing import HarnessError, HttpTestHarness

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "streaming_app.py")


@pytest.fixture
def h():
    harness = HttpTestHarness()
    harness.load_script(APP)
    yield harness
    harness.close()


def test_a_stream_route_reads_its_body_once(h):
    r = h.request("PUT", "/upload/a.txt", body=b"0123456789")
    assert r.status == 201
    assert r.body == (b"a.txt 10 1|req.stream() can be read once|"
                      b"req.body() after req.stream() began: the body was already read as a stream")
    empty = h.request("PUT", "/upload/e.txt")
    assert empty.body.startswith(b"e.txt 0 0|")  # an empty body: no chunk at all


def test_a_stream_route_takes_its_own_cap(h):
    assert h.request("PUT", "/upload/x", body=b"x" * 16).status == 201
    r = h.request("PUT", "/upload/x", body=b"x" * 17)
    assert (r.status, r.body) == (413, b"413 Content Too Large\n")


def test_body_works_on_a_stream_route_and_stream_on_any(h):
    assert h.request("POST", "/whole", body=b"abc").body == b"cba"
    assert h.request("POST", "/plain", body=b"xy").body == b"xy|xy|xy"


def test_a_streaming_response_is_read_whole(h):
    r = h.request("GET", "/chunks")
    assert (r.status, r.body) == (203, "caf\u00e9 au lait".encode())
    assert r.headers["content-length"] == str(len("caf\u00e9 au lait".encode()))
    assert (r.headers["content-type"], r.headers["x-kind"]) == ("text/plain", "async")
    assert "transfer-encoding" not in r.headers
    s = h.request("GET", "/sync")
    assert (s.status, s.body, s.headers["content-length"]) == (200, b"one,two", "7")


def test_head_gets_the_head_as_written(h):
    r = h.request("HEAD", "/chunks")
    assert (r.status, r.body) == (203, b"")
    assert r.headers["transfer-encoding"] == "chunked" and "content-length" not in r.headers
    s = h.request("HEAD", "/sync")
    assert (s.status, s.body, s.headers["content-length"]) == (200, b"", "7")


@pytest.mark.parametrize("path, why", [
    ("/raises", "the streaming body of .*raises failed"),
    ("/yields-int", "a StreamingResponse body yielded int"),
    ("/too-short", "body is 5 bytes, its content-length says 10"),
])
def test_a_body_cut_short_fails_the_request(h, path, why):
    with pytest.raises(HarnessError, match=why):
        h.request("GET", path)
    assert h.request("GET", "/sync").status == 200  # the harness goes on


def test_streaming_response_misuse(h):
    assert h.request("GET", "/bad-body").status == 500
    assert h.request("GET", "/set-body").body == b"TypeError; body=b''"
    assert h.request("GET", "/stream-error").body == b"True 413 0"


def test_a_feed_read_a_chunk_at_a_time(h):
    with h.stream("GET", "/feed") as feed:
        assert (feed.status, feed.headers["content-type"]) == (200, "text/event-stream")
        assert feed.headers["transfer-encoding"] == "chunked"
        assert feed.next_chunk() == b"hello\n"
        assert h.request("POST", "/publish", body="first").body == b"1 0"
        assert feed.next_chunk() == b"first\n"
        h.request("POST", "/publish", body="second")
        assert feed.next_chunk() == b"second\n"
    # the client left: the iterator was closed, its finally ran (in the engine on the worker's loop,
    # as after a real client left: a request may come first)
    deadline = time.monotonic() + 5
    while (r := h.request("POST", "/publish", body="nobody")).body != b"0 1":
        assert time.monotonic() < deadline, r.body
        time.sleep(0.05)


def test_a_feed_that_ends(h):
    feed = h.stream("GET", "/feed")
    assert feed.next_chunk() == b"hello\n"
    h.request("POST", "/publish", body="END")
    assert feed.next_chunk() is None
    assert feed.next_chunk() is None
    feed.close()
    whole = h.stream("GET", "/sync")
    assert whole.read() == b"one,two"
    plain = h.stream("POST", "/whole", body=b"abc")
    assert (plain.status, plain.headers["content-length"], plain.next_chunk(), plain.next_chunk()) == (
        200, "3", b"cba", None)


def test_a_cut_body_read_as_a_stream(h):
    s = h.stream("GET", "/raises")
    assert s.next_chunk() == b"partial"
    with pytest.raises(HarnessError, match="the streaming body of .*raises failed"):
        s.next_chunk()


def test_uploads_and_streamed_answers_of_outbound_calls(h):
    h.add_response(http.Response(201, body=b"stored"))
    r = h.request("POST", "/relay", body=b"some data")
    assert (r.status, r.body) == (201, b"body not read yet|stored|stored")
    [sent] = h.sent_requests
    assert (sent["method"], sent["url"], sent["body"]) == ("POST", "https://upstream.example/in", b"SOME DATA")

    h.add_response(http.Response(200, headers={"Content-Type": "text/csv"}, body=b"a,b\n1,2\n"))
    r = h.request("GET", "/relay-stream")
    assert (r.status, r.body, r.headers["content-type"]) == (200, b"a,b\n1,2\n", "text/csv")


def test_an_upload_that_raises_fails_the_call(h):
    h.add_response(http.Response(200))
    r = h.request("POST", "/bad-upload")
    assert r.status == 502
    assert r.body.startswith(b"ClientError: ")
    assert b"the request body's iterator raised OSError: source gone" in r.body
    assert h.sent_requests == []
    assert len(h.pending_responses) == 1  # nothing was answered
