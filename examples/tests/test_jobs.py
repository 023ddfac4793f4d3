"""examples/jobs.py (docs/cookbook.md, "Jobs and reminders"): its routes, under either harness.

    PYTHONPATH=python/siphon-testing python3 -m pytest examples/tests/test_jobs.py
    bin/siphon-http test examples/tests/test_jobs.py

The reminders are armed far in the future (60 s), so none fires while a test runs.
"""

import asyncio
import json
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from siphon_testing import HttpTestHarness

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "jobs.py"


@pytest.fixture
def h() -> Iterator[HttpTestHarness]:
    harness = HttpTestHarness()
    harness.load_script(SCRIPT)
    yield harness
    harness.close()


def doc(h: HttpTestHarness, method: str, path: str) -> tuple[int, Any]:
    r = h.request(method, path)
    return r.status, (json.loads(r.body) if r.body else None)


def test_arming_a_reminder(h: HttpTestHarness) -> None:
    assert doc(h, "POST", "/reminders/r1?in_ms=60000") == (202, {"id": "r1", "state": "pending", "in_ms": 60000})
    assert doc(h, "GET", "/reminders/r1") == (200, {"id": "r1", "state": "pending"})
    assert asyncio.run(h.cache.fetch("reminders", "r1")) == "pending"
    # without in_ms, a second
    assert doc(h, "POST", "/reminders/r2")[1]["in_ms"] == 1000
    doc(h, "DELETE", "/reminders/r2")


def test_cancelling_a_reminder(h: HttpTestHarness) -> None:
    assert doc(h, "POST", "/reminders/r2?in_ms=60000")[0] == 202
    r = h.request("DELETE", "/reminders/r2")
    assert (r.status, r.body) == (204, b"")
    # cancelled already: nothing pending to cancel
    assert doc(h, "DELETE", "/reminders/r2") == (404, {"error": "no pending reminder r2"})
    assert doc(h, "GET", "/reminders/r2") == (200, {"id": "r2", "state": "cancelled"})


def test_the_jobs_page_counts_armed_reminders(h: HttpTestHarness) -> None:
    status, page = doc(h, "GET", "/jobs")
    assert status == 200
    assert page["armed"] == 0
    assert isinstance(page["heartbeats"], int)
    doc(h, "POST", "/reminders/a?in_ms=60000")
    doc(h, "POST", "/reminders/b?in_ms=60000")
    doc(h, "POST", "/reminders/a?in_ms=50000")  # arming a again replaces its timer
    assert doc(h, "GET", "/jobs")[1]["armed"] == 2
    doc(h, "DELETE", "/reminders/a")
    doc(h, "DELETE", "/reminders/b")
    assert doc(h, "GET", "/jobs")[1]["armed"] == 0


def test_the_heartbeat_count_is_read_from_the_cache(h: HttpTestHarness) -> None:
    h.cache.set_data("jobs", {"heartbeats": 1000})
    assert doc(h, "GET", "/jobs")[1]["heartbeats"] >= 1000


@pytest.mark.parametrize("in_ms, error", [
    ("soon", "in_ms must be an integer"),
    ("-1", "in_ms must be from 0 to 86400000"),
    ("86400001", "in_ms must be from 0 to 86400000"),
])
def test_a_bad_delay_is_400(h: HttpTestHarness, in_ms: str, error: str) -> None:
    assert doc(h, "POST", f"/reminders/r1?in_ms={in_ms}") == (400, {"error": error})
    assert doc(h, "GET", "/reminders/r1") == (404, {"error": "no reminder r1"})
    assert doc(h, "GET", "/jobs")[1]["armed"] == 0


def test_the_engine_answers_what_no_route_takes(h: HttpTestHarness) -> None:
    r = h.request("PUT", "/reminders/r1")
    assert r.status == 405
    assert r.headers["allow"] == "DELETE, GET, HEAD, POST"
    assert h.request("POST", "/jobs").status == 405
    assert h.request("GET", "/reminders").status == 404
