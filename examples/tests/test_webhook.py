"""examples/webhook.py (docs/cookbook.md, "Webhook receiver"), under either harness:

    PYTHONPATH=python/siphon-testing python3 -m pytest examples/tests/test_webhook.py
    bin/siphon-http test examples/tests/test_webhook.py

The script reads WEBHOOK_TOKEN when it loads; unset, the token is "s3cr3t".
"""

import asyncio
import json
import pathlib
from collections.abc import Iterator

import pytest
from siphon_testing import HttpTestHarness

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "webhook.py"
AUTH = {"Authorization": "Bearer s3cr3t"}


@pytest.fixture
def h() -> Iterator[HttpTestHarness]:
    harness = HttpTestHarness()
    harness.load_script(SCRIPT)
    yield harness
    harness.close()


def test_the_middleware_refuses_a_missing_or_wrong_token(h: HttpTestHarness) -> None:
    refused: list[dict[str, str]] = [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cr3t"}]
    for headers in refused:
        r = h.request("POST", "/webhooks/github", headers=headers, body=b'{"event": "push"}')
        assert r.status == 401
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.headers["content-type"] == "application/json"
        assert json.loads(r.body) == {"error": "missing or wrong bearer token"}
    assert h.request("GET", "/webhooks/github").status == 401
    assert asyncio.run(h.cache.fetch("webhook-counts", "github")) is None  # nothing was counted
    assert h.log.messages == []


def test_the_engine_answers_before_the_middleware(h: HttpTestHarness) -> None:
    # no route for the path, or not for the method: the engine's answer, without a token
    assert h.request("GET", "/nowhere").status == 404
    r = h.request("PUT", "/webhooks/github")
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD, POST"


def test_events_are_counted_and_kept(h: HttpTestHarness) -> None:
    r = h.request("POST", "/webhooks/github", headers=dict(AUTH, **{"Content-Type": "application/json"}),
                  body=b'{"event": "push", "ref": "main"}')
    assert r.status == 202
    assert json.loads(r.body) == {"accepted": True, "source": "github", "seq": 1}
    r = h.request("POST", "/webhooks/github", headers=AUTH, body={"event": "release"})
    assert json.loads(r.body)["seq"] == 2
    assert h.log.messages == [("info", "webhook github #1: push"), ("info", "webhook github #2: release")]

    assert asyncio.run(h.cache.fetch("webhook-counts", "github")) == 2
    assert asyncio.run(h.cache.keys("webhook-events", "github/")) == ["github/00000001", "github/00000002"]
    kept = asyncio.run(h.cache.fetch("webhook-events", "github/00000001"))
    assert json.loads(kept) == {"event": "push", "ref": "main"}

    r = h.request("GET", "/webhooks/github", headers=AUTH)
    assert r.status == 200
    assert json.loads(r.body) == {"source": "github", "received": 2, "last": {"event": "release"}}


def test_sources_are_counted_apart(h: HttpTestHarness) -> None:
    h.request("POST", "/webhooks/github", headers=AUTH, body={"event": "push"})
    r = h.request("POST", "/webhooks/gitlab", headers=AUTH, body={"event": "merge"})
    assert json.loads(r.body)["seq"] == 1
    r = h.request("GET", "/webhooks/bitbucket", headers=AUTH)
    assert json.loads(r.body) == {"source": "bitbucket", "received": 0, "last": None}


def test_a_body_that_is_not_a_json_object_is_400(h: HttpTestHarness) -> None:
    r = h.request("POST", "/webhooks/github", headers=AUTH, body=b'{"event": ')
    assert r.status == 400
    assert json.loads(r.body)["error"].startswith("the body is not JSON: ")
    r = h.request("POST", "/webhooks/github", headers=AUTH, body=b"\xff\xfe")  # not even UTF-8
    assert r.status == 400
    assert json.loads(r.body)["error"].startswith("the body is not JSON: ")
    r = h.request("POST", "/webhooks/github", headers=AUTH, body=["push"])
    assert r.status == 400
    assert json.loads(r.body) == {"error": "the body must be a JSON object"}
    assert asyncio.run(h.cache.keys("webhook-events")) == []


def test_the_count_goes_on_from_the_cache(h: HttpTestHarness) -> None:
    h.cache.set_data("webhook-counts", {"github": 41})
    r = h.request("POST", "/webhooks/github", headers=AUTH, body={"event": "push"})
    assert json.loads(r.body)["seq"] == 42
    assert asyncio.run(h.cache.keys("webhook-events")) == ["github/00000042"]
