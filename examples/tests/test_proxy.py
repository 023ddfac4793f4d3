"""examples/proxy.py (docs/cookbook.md, "Reverse proxy"), under either harness, with canned
upstream answers:

    PYTHONPATH=python/siphon-testing python3 -m pytest examples/tests/test_proxy.py
    bin/siphon-http test examples/tests/test_proxy.py

CONFIG declares the client ``upstream`` as examples/proxy.yaml does (with UPSTREAM_URL and
UPSTREAM_H2C unset); the harness answers its calls, nothing goes to the network. The proxy
streams both ways: the harness reads the request's streamed upload whole into
``sent_requests[...]["body"]``, gives the canned answer back as a stream, and reads the
proxy's StreamingResponse whole into the answer.
"""

import pathlib
from collections.abc import Iterator

import pytest
from siphon import http
from siphon_testing import HttpTestHarness, UnexpectedRequest

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "proxy.py"
UPSTREAM = "http://127.0.0.1:9000"
CONFIG = {"clients": {"upstream": {"base_url": UPSTREAM, "timeout_ms": 25000, "pool_size": 32,
                                   "http2_prior_knowledge": False}}}
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


@pytest.fixture
def h() -> Iterator[HttpTestHarness]:
    harness = HttpTestHarness(config=CONFIG)
    harness.load_script(SCRIPT)
    yield harness
    harness.close()


def test_a_get_goes_upstream_and_its_answer_comes_back(h: HttpTestHarness) -> None:
    h.add_response(http.Response(200, headers={"Content-Type": "application/json", "ETag": '"v1"',
                                               "Set-Cookie": "s=1", "X-Upstream-Internal": "yes"},
                                 body=b'{"items": []}'))
    r = h.request("GET", "/api/items?page=2&sort=name", headers={"Host": "shop.example", "Accept": "*/*"},
                  client="198.51.100.7:51000")
    assert r.status == 200
    assert r.body == b'{"items": []}'
    # the representation headers come back; the upstream's others do not
    assert r.headers["content-type"] == "application/json"
    assert r.headers["etag"] == '"v1"'
    assert "set-cookie" not in r.headers and "x-upstream-internal" not in r.headers

    [sent] = h.sent_requests
    assert sent["method"] == "GET"
    assert sent["name"] == "upstream"
    assert sent["base_url"] == UPSTREAM
    assert sent["path"] == "/api/items?page=2&sort=name"
    assert sent["url"] == UPSTREAM + "/api/items?page=2&sort=name"
    assert sent["body"] == b""
    assert sent["headers"]["accept"] == "*/*"
    assert sent["headers"]["x-forwarded-for"] == "198.51.100.7"
    assert sent["headers"]["x-forwarded-proto"] == "http"
    assert sent["headers"]["x-forwarded-host"] == "shop.example"
    assert "host" not in sent["headers"]
    assert h.pending_responses == []


def test_a_post_forwards_its_body_and_end_to_end_headers_only(h: HttpTestHarness) -> None:
    h.add_response(http.Response(201, headers={"Location": "/api/items/7"}, body=b"made"))
    r = h.request("POST", "/api/items", body=b'{"name": "pear"}',
                  headers={"Content-Type": "application/json", "Connection": "x-trace-hop",
                           "X-Trace-Hop": "1", "Keep-Alive": "timeout=5", "TE": "trailers",
                           "X-Forwarded-For": "10.6.6.6", "X-Request-Tag": "t1"},
                  tls={"protocol": "TLSv1.3"}, client="[2001:db8::7]:443")
    assert (r.status, r.body) == (201, b"made")
    assert r.headers["location"] == "/api/items/7"
    [sent] = h.sent_requests
    assert (sent["method"], sent["url"], sent["body"]) == ("POST", UPSTREAM + "/api/items", b'{"name": "pear"}')
    headers = sent["headers"]
    assert headers["content-type"] == "application/json"
    assert headers["x-request-tag"] == "t1"
    # hop-by-hop fields, and the ones Connection names, stay behind; the client's X-Forwarded-For is replaced
    for dropped in ("connection", "x-trace-hop", "keep-alive", "te", "host"):
        assert dropped not in headers, dropped
    assert headers["content-length"] == "16"  # the streamed body is exactly that long: its length goes on
    assert headers["x-forwarded-for"] == "2001:db8:0:0:0:0:0:7"  # req.client writes IPv6 so, as the engine does
    assert headers["x-forwarded-proto"] == "https"
    assert headers["x-forwarded-host"] == "localhost"  # the request's Host (the harness sends localhost)


def test_every_method_is_forwarded(h: HttpTestHarness) -> None:
    for method in METHODS:
        h.reset()  # forgets the calls and canned answers of the method before
        # an upstream gives its length (for HEAD too): the proxy relays it
        h.set_default_response(http.Response(200, headers={"Content-Type": "text/plain", "Content-Length": "16"},
                                             body=b"upstream says hi"))
        r = h.request(method, "/", body=None if method in ("GET", "HEAD") else b"x")
        assert r.status == 200, method
        assert r.body == (b"" if method == "HEAD" else b"upstream says hi"), method
        assert r.headers["content-length"] == "16", method
        [sent] = h.sent_requests
        assert (sent["method"], sent["path"]) == (method, "/")
        assert sent["body"] == (b"" if method in ("GET", "HEAD") else b"x"), method


def test_a_large_upload_streams_through_and_the_answer_streams_back(h: HttpTestHarness) -> None:
    upload = bytes(range(256)) * 1024  # 256 KiB
    download = b"0123456789abcdef" * 16384  # 256 KiB
    h.add_response(http.Response(200, headers={"Content-Type": "application/octet-stream",
                                               "Content-Length": str(len(download))}, body=download))
    r = h.request("PUT", "/blobs/b1", body=upload, headers={"Content-Type": "application/octet-stream"})
    assert (r.status, len(r.body), r.body == download) == (200, len(download), True)
    assert r.headers["content-length"] == str(len(download))
    [sent] = h.sent_requests
    assert (sent["method"], sent["path"], sent["body"] == upload) == ("PUT", "/blobs/b1", True)
    assert sent["headers"]["content-length"] == str(len(upload))


def test_an_answer_without_a_length_streams_chunked(h: HttpTestHarness) -> None:
    h.set_default_response(http.Response(200, headers={"Content-Type": "text/event-stream"}, body=b"data: 1\n\n"))
    r = h.request("GET", "/feed")
    assert (r.status, r.body, r.headers["content-length"]) == (200, b"data: 1\n\n", "9")  # read whole here
    head = h.request("HEAD", "/feed")
    assert (head.body, head.headers["transfer-encoding"]) == (b"", "chunked")  # as a connection writes it
    assert "content-length" not in head.headers
    with h.stream("GET", "/feed") as s:
        assert (s.headers["transfer-encoding"], s.read()) == ("chunked", b"data: 1\n\n")


def test_the_upstreams_status_is_relayed(h: HttpTestHarness) -> None:
    h.set_response("/missing", http.Response(404, headers={"Content-Type": "text/html"}, body=b"<h1>gone</h1>"))
    h.set_response("/later", http.Response(503, headers={"Retry-After": "30"}))
    r = h.request("GET", "/missing")
    assert (r.status, r.body, r.headers["content-type"]) == (404, b"<h1>gone</h1>", "text/html")
    r = h.request("GET", "/later")
    assert (r.status, r.headers["retry-after"]) == (503, "30")
    assert [s["path"] for s in h.sent_requests] == ["/missing", "/later"]


@pytest.mark.parametrize("failure, status, body, logged", [
    (http.ConnectError("connection refused"), 502, b"upstream unavailable\n",
     "proxy GET /x: ConnectError: connection refused"),
    (http.TLSError("certificate unknown"), 502, b"upstream unavailable\n",
     "proxy GET /x: TLSError: certificate unknown"),
    (http.ConnectionClosedError("closed early"), 502, b"upstream unavailable\n",
     "proxy GET /x: ConnectionClosedError: closed early"),
    (http.TimeoutError("no answer in 25 s"), 504, b"upstream timed out\n",
     "proxy GET /x: upstream timed out: no answer in 25 s"),
    (http.ConnectTimeoutError("no connection in time"), 504, b"upstream timed out\n",
     "proxy GET /x: upstream timed out: no connection in time"),
])
def test_an_upstream_that_fails(h: HttpTestHarness, failure: http.ClientError, status: int, body: bytes,
                                logged: str) -> None:
    h.add_response(failure)
    r = h.request("GET", "/x")
    assert (r.status, r.body) == (status, body)
    assert h.log.messages == [("warn", logged)]


def test_a_call_nothing_answers_fails_the_test(h: HttpTestHarness) -> None:
    with pytest.raises(UnexpectedRequest, match="GET http://127.0.0.1:9000/unplanned"):
        h.request("GET", "/unplanned")
    assert h.unexpected_requests == ["GET http://127.0.0.1:9000/unplanned"]
    # the script saw a client error and answered 502 (the harness raised in the test instead)
    assert h.log.messages == [("warn", "proxy GET /unplanned: ClientError: no canned response for GET "
                                       "http://127.0.0.1:9000/unplanned (add_response, set_response or "
                                       "set_default_response, or pass_through)")]


def test_the_engine_answers_a_method_no_route_takes(h: HttpTestHarness) -> None:
    r = h.request("TRACE", "/anything")
    assert r.status == 405
    assert r.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    assert h.sent_requests == []
