"""examples/hello.py (docs/cookbook.md, "Hello and orders"), under either harness:

    PYTHONPATH=python/siphon-testing python3 -m pytest examples/tests/test_hello.py
    bin/siphon-http test examples/tests/test_hello.py
"""

import json
import pathlib
from collections.abc import Iterator

import pytest
from siphon_testing import HttpTestHarness

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "hello.py"


@pytest.fixture
def h() -> Iterator[HttpTestHarness]:
    harness = HttpTestHarness()
    harness.load_script(SCRIPT)
    yield harness
    harness.close()


def test_hello_takes_the_name_from_the_path(h: HttpTestHarness) -> None:
    r = h.request("GET", "/hello/world")
    assert r.status == 200
    assert r.body == b"hi world"
    assert h.request("GET", "/hello/a b").body == b"hi a b"  # sent as /hello/a%20b, decoded for the script


def test_an_order_is_json(h: HttpTestHarness) -> None:
    r = h.request("GET", "/orders/42")
    assert r.status == 200
    assert r.headers["content-type"] == "application/json"
    assert json.loads(r.body) == {"id": "42"}
    assert r.headers["content-length"] == str(len(r.body))


def test_delete_answers_204_and_logs(h: HttpTestHarness) -> None:
    r = h.request("DELETE", "/orders/42")
    assert r.status == 204
    assert r.body == b""
    assert "content-length" not in r.headers
    assert h.log.messages == [("info", "order 42 deleted")]


def test_head_is_the_get_without_its_body(h: HttpTestHarness) -> None:
    r = h.request("HEAD", "/hello/world")
    assert r.status == 200
    assert r.body == b""
    assert r.headers["content-length"] == "8"


def test_the_engine_answers_what_no_route_takes(h: HttpTestHarness) -> None:
    wrong = h.request("POST", "/orders/42")
    assert wrong.status == 405
    assert wrong.headers["allow"] == "DELETE, GET, HEAD"
    assert wrong.body == b"405 Method Not Allowed\n"
    missing = h.request("GET", "/orders")
    assert missing.status == 404
    assert missing.body == b"404 Not Found\n"
    assert missing.headers["content-type"] == "text/plain; charset=utf-8"
    assert h.log.messages == []  # the engine answered both without calling Python
