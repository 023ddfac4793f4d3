"""The harness API of docs/testing.md, against harness/app.py: this one file runs under the
in-engine harness (siphon-http test) and under the CPython harness (pytest), unchanged."""

import asyncio
import json
import os

import pytest
from siphon import http
from siphon_testing import HarnessError, HttpTestHarness, UnexpectedRequest

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "app.py")


@pytest.fixture
def h():
    harness = HttpTestHarness()
    harness.load_script(APP)
    yield harness
    harness.close()


def test_route_with_params_and_log(h):
    r = h.request("GET", "/users/42")
    assert r.status == 200
    assert r.body == b"user 42"
    assert r.headers["content-type"] == "text/plain"
    assert ("info", "user 42") in h.log.messages
    assert h.request("GET", "/users/a b").body == b"user a b"


def test_the_engines_own_answers(h):
    missing = h.request("GET", "/nope")
    assert missing.status == 404
    assert missing.body == b"404 Not Found\n"
    wrong = h.request("DELETE", "/users/1")
    assert wrong.status == 405
    assert wrong.headers["allow"] == "GET, HEAD"
    head = h.request("HEAD", "/users/7")
    assert head.status == 200
    assert head.body == b""
    assert head.headers["content-length"] == "6"
    assert h.request("GET", "/broken").status == 500
    assert h.request("GET", "/raises").body == b"500 Internal Server Error\n"


def test_middleware_short_circuits(h):
    assert h.request("GET", "/admin/stats").status == 401
    assert h.request("GET", "/admin/stats", headers={"Authorization": "x"}).status == 200


def test_query_client_and_tls(h):
    r = h.request("GET", "/who", query_params={"a": "1"}, client="10.0.0.7:4444")
    assert json.loads(r.body) == {"client": "10.0.0.7:4444", "scheme": "http", "tls": None, "cert": None,
                                  "q": {"a": "1"}}
    r = h.request("GET", "/who?b=2", tls={"protocol": "TLSv1.3"}, client_cert={"subject": "CN=alice", "issuer": "CN=ca"})
    assert json.loads(r.body)["tls"] == "TLSv1.3"
    assert json.loads(r.body)["cert"] == "CN=alice"
    assert json.loads(r.body)["scheme"] == "https"


def test_startup_and_shutdown_hooks(h):
    assert json.loads(h.request("GET", "/admin/stats", headers={"authorization": "x"}).body) == {"started": 0}
    h.run_startup()
    assert ("info", "warmed") in h.log.messages
    assert json.loads(h.request("GET", "/admin/stats", headers={"authorization": "x"}).body) == {"started": 1}
    h.run_shutdown()
    assert ("info", "bye") in h.log.messages


def test_canned_answers_in_order_and_recorded(h):
    h.add_response(http.Response(status=201, body=b"made"))
    h.add_response(http.TimeoutError("slow upstream"))
    h.add_response(http.Response(status=299))
    r = h.request("POST", "/upstream", body=b"one")
    assert (r.status, r.body) == (201, b"made")
    r = h.request("POST", "/upstream")
    assert (r.status, r.body) == (504, b"upstream timed out: slow upstream")
    assert [p.status for p in h.pending_responses] == [299]
    assert h.request("POST", "/upstream").status == 299
    assert h.pending_responses == []
    sent = h.sent_requests[0]
    assert sent["method"] == "POST"
    assert sent["path"] == "/things"
    assert sent["url"] == "https://api.example.com/v1/things"
    assert sent["headers"]["x-trace"] == "t1"
    assert sent["body"] == b"one"
    assert sent["name"] is None


def test_path_and_default_answers(h):
    h.set_response("/things", http.Response(status=202))
    assert h.request("POST", "/upstream").status == 202
    h2 = HttpTestHarness()
    h2.set_default_response(http.Response(status=203))
    h2.load_script(APP)
    assert h2.request("POST", "/upstream").status == 203
    h2.close()


def test_an_unanswered_call_fails_the_test_naming_it(h):
    with pytest.raises(UnexpectedRequest, match="POST https://api.example.com/v1/things"):
        h.request("POST", "/upstream")
    assert h.unexpected_requests == ["POST https://api.example.com/v1/things"]


def test_cache_state_is_visible(h):
    r = h.request("POST", "/count", body={"a": 1})
    assert json.loads(r.body) == {"n": 1, "got": {"a": 1}}
    assert asyncio.run(h.cache.fetch("counters", "hits")) == 1
    h.cache.set_data("counters", {"hits": 41})
    assert json.loads(h.request("POST", "/count", body=[]).body)["n"] == 42
    h.reset()
    assert asyncio.run(h.cache.fetch("counters", "hits")) is None


def test_a_script_that_raises_at_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from siphon import http\n\nx = 1\nraise RuntimeError('no config here')\n")
    h = HttpTestHarness()
    with pytest.raises(HarnessError) as e:
        h.load_script(str(bad))
    assert 'bad.py", line 4' in str(e.value)
    assert "no config here" in str(e.value)


def test_load_source(h):
    s = HttpTestHarness()
    s.load_source("from siphon import http\n\n@http.route('/x/{*rest}')\ndef x(req):\n"
                  "    return http.Response(body=req.path_params['rest'])\n")
    assert s.request("GET", "/x/a/b/c").body == b"a/b/c"
    s.close()
