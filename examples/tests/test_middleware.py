"""examples/middleware.py (docs/cookbook.md, "Timing and CORS middleware"), under either harness."""

import pathlib
from typing import Iterator

import pytest
from siphon_testing import HttpTestHarness

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "middleware.py"
ORIGIN = {"origin": "https://app.example"}


@pytest.fixture
def h() -> Iterator[HttpTestHarness]:
    harness = HttpTestHarness()
    harness.load_script(str(SCRIPT))
    yield harness
    harness.close()


def test_every_answer_is_timed_and_logged(h: HttpTestHarness) -> None:
    r = h.request("GET", "/api/notes/7")
    assert r.status == 200
    assert r.body == b'{"id": "7"}'
    assert r.headers["server-timing"].startswith("app;dur=")
    assert "access-control-allow-origin" not in r.headers
    assert any(level == "info" and msg.startswith("GET /api/notes/7 -> 200 in ") for level, msg in h.log.messages)


def test_an_allowed_origin_gets_cors_fields(h: HttpTestHarness) -> None:
    r = h.request("GET", "/api/notes/7", headers=ORIGIN)
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    assert r.headers["vary"] == "Origin"
    other = h.request("GET", "/api/notes/7", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_a_preflight_is_answered_by_the_middleware(h: HttpTestHarness) -> None:
    r = h.request("OPTIONS", "/api/notes/7", headers=dict(ORIGIN, **{"access-control-request-method": "DELETE"}))
    assert r.status == 204
    assert r.headers["access-control-allow-methods"] == "GET, DELETE"
    assert r.headers["access-control-max-age"] == "600"
    assert "server-timing" not in r.headers  # no route takes OPTIONS: only unmatched=True middleware ran


def test_the_guard_answers_inside_the_timing(h: HttpTestHarness) -> None:
    refused = h.request("DELETE", "/api/notes/7")
    assert refused.status == 403
    assert "server-timing" in refused.headers
    assert h.request("DELETE", "/api/notes/7", headers={"x-api-key": "k1"}).status == 204


def test_unmatched_requests_get_the_engines_answer_through_cors(h: HttpTestHarness) -> None:
    r = h.request("POST", "/api/notes/7", headers=ORIGIN)
    assert r.status == 405
    assert r.headers["allow"] == "DELETE, GET, HEAD"
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    assert "server-timing" not in r.headers
    assert h.request("GET", "/nowhere").status == 404
