"""examples/registry.py (docs/cookbook.md, "Registry"), under either harness:

    PYTHONPATH=python/siphon-testing python3 -m pytest examples/tests/test_registry.py
    bin/siphon-http test examples/tests/test_registry.py
"""

import asyncio
import json
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from siphon_testing import HttpTestHarness

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "registry.py"
ENTRIES = [{"kind": "trunk", "uri": "sip:gw1.example.com"}, {"kind": "phone", "uri": "sip:alice@example.com"},
           {"kind": "trunk", "uri": "sip:gw2.example.com"}]


@pytest.fixture
def h() -> Iterator[HttpTestHarness]:
    harness = HttpTestHarness()
    harness.load_script(SCRIPT)
    yield harness
    harness.close()


def register(h: HttpTestHarness, entry: Any) -> str:
    """POSTs ``entry``; returns the new id, checking the 201 answer and its Location."""
    r = h.request("POST", "/registrations", body=entry)
    assert r.status == 201, r.body
    made = json.loads(r.body)
    assert made == dict(entry, id=made["id"])
    assert r.headers["location"] == f"/registrations/{made['id']}"
    return str(made["id"])


def found(h: HttpTestHarness, query: str) -> list[str]:
    r = h.request("GET", "/registrations" + query)
    assert r.status == 200
    return [e["id"] for e in json.loads(r.body)["registrations"]]


def test_ids_come_in_order_and_entries_are_kept(h: HttpTestHarness) -> None:
    assert [register(h, e) for e in ENTRIES] == ["1", "2", "3"]
    r = h.request("GET", "/registrations/1")
    assert r.status == 200
    assert r.headers["content-type"] == "application/json"
    assert json.loads(r.body) == {"kind": "trunk", "uri": "sip:gw1.example.com", "id": "1"}
    assert asyncio.run(h.cache.fetch("registry-meta", "next-id")) == 3
    assert asyncio.run(h.cache.keys("registrations")) == ["1", "2", "3"]


def test_search_by_kind_and_limit(h: HttpTestHarness) -> None:
    for e in ENTRIES:
        register(h, e)
    assert found(h, "?kind=trunk&limit=10") == ["1", "3"]
    assert found(h, "?kind=trunk&limit=1") == ["1"]
    assert found(h, "?kind=phone") == ["2"]
    assert found(h, "?kind=fax") == []
    assert found(h, "") == ["1", "2", "3"]


def test_ids_sort_as_numbers(h: HttpTestHarness) -> None:
    h.cache.set_data("registry-meta", {"next-id": 8})
    assert [register(h, {"kind": "trunk"}) for _ in range(3)] == ["9", "10", "11"]
    assert found(h, "?kind=trunk") == ["9", "10", "11"]


@pytest.mark.parametrize("body, error", [
    ({"uri": "sip:nobody@example.com"}, 'a registration is a JSON object with a non-empty string "kind"'),
    ({"kind": ""}, 'a registration is a JSON object with a non-empty string "kind"'),
    ({"kind": 7}, 'a registration is a JSON object with a non-empty string "kind"'),
    (["trunk"], 'a registration is a JSON object with a non-empty string "kind"'),
    (b"kind=trunk", "the body is not JSON: "),
])
def test_a_bad_entry_is_400(h: HttpTestHarness, body: Any, error: str) -> None:
    r = h.request("POST", "/registrations", body=body)
    assert r.status == 400
    assert json.loads(r.body)["error"].startswith(error)
    assert asyncio.run(h.cache.fetch("registry-meta", "next-id")) is None  # no id spent


@pytest.mark.parametrize("limit", ["many", "0", "1001"])
def test_a_bad_limit_is_400(h: HttpTestHarness, limit: str) -> None:
    r = h.request("GET", "/registrations", query_params={"limit": limit})
    assert r.status == 400
    assert "limit must be" in json.loads(r.body)["error"]


def test_delete_and_ids_are_never_reused(h: HttpTestHarness) -> None:
    for e in ENTRIES:
        register(h, e)
    r = h.request("DELETE", "/registrations/1")
    assert (r.status, r.body) == (204, b"")
    r = h.request("GET", "/registrations/1")
    assert r.status == 404
    assert json.loads(r.body) == {"error": "no registration 1"}
    assert h.request("DELETE", "/registrations/1").status == 404
    assert found(h, "?kind=trunk") == ["3"]
    assert register(h, ENTRIES[0]) == "4"


def test_the_engine_answers_what_no_route_takes(h: HttpTestHarness) -> None:
    r = h.request("PUT", "/registrations/1", body={"kind": "trunk"})
    assert r.status == 405
    assert r.headers["allow"] == "DELETE, GET, HEAD"
    r = h.request("DELETE", "/registrations")
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD, POST"
    head = h.request("HEAD", "/registrations")
    assert (head.status, head.body) == (200, b"")
    assert head.headers["content-length"] == str(len(b'{"registrations": []}'))
