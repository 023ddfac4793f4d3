"""examples/rest.py (docs/cookbook.md, "REST resource"), under either harness:

    PYTHONPATH=python/siphon-testing python3 -m pytest examples/tests/test_rest.py
    bin/siphon-http test examples/tests/test_rest.py
"""

import asyncio
import json
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest
from siphon_testing import HttpTestHarness

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "rest.py"


@pytest.fixture
def h() -> Iterator[HttpTestHarness]:
    harness = HttpTestHarness()
    harness.load_script(SCRIPT)
    yield harness
    harness.close()


def doc(h: HttpTestHarness, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One request; its status and its body read as JSON (None when empty)."""
    r = h.request(method, path, body=body)
    if r.body:
        assert r.headers["content-type"] == "application/json"
        return r.status, json.loads(r.body)
    return r.status, None


def test_put_creates_then_replaces(h: HttpTestHarness) -> None:
    assert doc(h, "PUT", "/items/apple", b'{"name": "apple", "qty": 3}') == (
        201, {"id": "apple", "item": {"name": "apple", "qty": 3}})
    assert doc(h, "PUT", "/items/apple", {"name": "apple", "qty": 4})[0] == 200
    assert doc(h, "GET", "/items/apple") == (200, {"id": "apple", "item": {"name": "apple", "qty": 4}})
    # the item is in the cache, as the JSON text the script stored
    assert json.loads(asyncio.run(h.cache.fetch("items", "apple"))) == {"name": "apple", "qty": 4}


def test_listing_by_prefix_and_limit(h: HttpTestHarness) -> None:
    for name, qty in (("banana", 7), ("apricot", 5), ("apple", 4)):
        assert doc(h, "PUT", f"/items/{name}", {"name": name, "qty": qty})[0] == 201
    status, listed = doc(h, "GET", "/items?prefix=ap&limit=10")
    assert status == 200
    assert listed == {"items": [{"id": "apple", "item": {"name": "apple", "qty": 4}},
                                {"id": "apricot", "item": {"name": "apricot", "qty": 5}}], "total": 2}
    status, listed = doc(h, "GET", "/items?limit=1")
    assert [i["id"] for i in listed["items"]] == ["apple"]
    assert listed["total"] == 3
    r = h.request("GET", "/items", query_params={"prefix": "b"})
    assert [i["id"] for i in json.loads(r.body)["items"]] == ["banana"]
    assert doc(h, "GET", "/items") == (200, {"items": [
        {"id": "apple", "item": {"name": "apple", "qty": 4}},
        {"id": "apricot", "item": {"name": "apricot", "qty": 5}},
        {"id": "banana", "item": {"name": "banana", "qty": 7}}], "total": 3})


@pytest.mark.parametrize("limit, error", [
    ("lots", "limit must be an integer"),
    ("0", "limit must be between 1 and 1000"),
    ("1001", "limit must be between 1 and 1000"),
])
def test_a_bad_limit_is_400(h: HttpTestHarness, limit: str, error: str) -> None:
    assert doc(h, "GET", f"/items?limit={limit}") == (400, {"error": error})


def test_a_body_that_is_not_a_json_object_is_400(h: HttpTestHarness) -> None:
    status, err = doc(h, "PUT", "/items/x", b"{not json")
    assert status == 400
    assert err["error"].startswith("the body is not JSON: ")
    assert doc(h, "PUT", "/items/x", [1, 2]) == (400, {"error": "an item is a JSON object"})
    assert asyncio.run(h.cache.keys("items")) == []


def test_delete_then_the_item_is_gone(h: HttpTestHarness) -> None:
    h.cache.set_data("items", {"apple": json.dumps({"name": "apple"})})
    assert doc(h, "GET", "/items/apple") == (200, {"id": "apple", "item": {"name": "apple"}})
    r = h.request("DELETE", "/items/apple")
    assert (r.status, r.body) == (204, b"")
    assert doc(h, "GET", "/items/apple") == (404, {"error": "no item apple"})
    assert doc(h, "DELETE", "/items/apple") == (404, {"error": "no item apple"})
    assert asyncio.run(h.cache.exists("items", "apple")) is False


def test_the_engine_answers_what_no_route_takes(h: HttpTestHarness) -> None:
    r = h.request("POST", "/items/apple", body={"name": "apple"})
    assert r.status == 405
    assert r.headers["allow"] == "DELETE, GET, HEAD, PUT"
    r = h.request("DELETE", "/items")
    assert r.status == 405
    assert r.headers["allow"] == "GET, HEAD"
    assert h.request("GET", "/items/apple/extra").status == 404
