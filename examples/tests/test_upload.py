"""examples/upload.py (docs/cookbook.md, "Uploads and downloads"), under either harness:

    PYTHONPATH=python/siphon-testing python3 -m pytest examples/tests/test_upload.py
    bin/siphon-http test examples/tests/test_upload.py

The script keeps its files in UPLOAD_DIR, read when it loads (unset: siphon-uploads in the
temporary directory). The script's workers read the environment the test process started with,
so the tests use the directory the script picks and give each test's files a name of their own.
The harness hands a stream=True route the request's body (as one chunk) and reads the download's
StreamingResponse whole, or a chunk at a time with ``h.stream()``.
"""

import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Iterator

import pytest
from siphon_testing import HttpTestHarness

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "upload.py")
UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or os.path.join(tempfile.gettempdir(), "siphon-uploads")
CHUNK = 256 * 1024


@pytest.fixture
def h() -> Iterator[HttpTestHarness]:
    harness = HttpTestHarness()
    harness.load_script(SCRIPT)
    harness.run_startup()  # makes UPLOAD_DIR
    yield harness
    harness.close()


@pytest.fixture
def name() -> Iterator[str]:
    """A file name of this test's own, removed afterwards."""
    n = f"test-{uuid.uuid4().hex}.bin"
    yield n
    path = os.path.join(UPLOAD_DIR, n)
    if os.path.exists(path):
        os.unlink(path)


def leftovers() -> list[str]:
    return [f for f in os.listdir(UPLOAD_DIR) if f.startswith(".upload-")]


def test_an_upload_is_written_to_disk(h: HttpTestHarness, name: str) -> None:
    before = leftovers()
    data = os.urandom(300_000)
    r = h.request("PUT", f"/files/{name}", body=data, headers={"Content-Type": "application/octet-stream"})
    assert r.status == 201
    assert r.headers["content-type"] == "application/json"
    assert json.loads(r.body) == {"name": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    with open(os.path.join(UPLOAD_DIR, name), "rb") as f:
        assert f.read() == data
    assert leftovers() == before  # the temporary file took the name


def test_an_empty_upload_and_a_replacement(h: HttpTestHarness, name: str) -> None:
    r = h.request("PUT", f"/files/{name}")
    assert (r.status, json.loads(r.body)["bytes"]) == (201, 0)
    assert h.request("GET", f"/files/{name}").body == b""
    h.request("PUT", f"/files/{name}", body=b"second")
    assert h.request("GET", f"/files/{name}").body == b"second"


def test_a_download_streams_the_file(h: HttpTestHarness, name: str) -> None:
    data = bytes(range(256)) * 1500  # 384000 bytes: two chunks of the script's
    assert h.request("PUT", f"/files/{name}", body=data).status == 201
    r = h.request("GET", f"/files/{name}")
    assert (r.status, r.body == data) == (200, True)
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-length"] == str(len(data))
    with h.stream("GET", f"/files/{name}") as s:
        assert s.headers["content-length"] == str(len(data))  # the script's own, so not chunked
        first = s.next_chunk()
        assert first == data[:CHUNK]
        assert s.next_chunk() == data[CHUNK:]
        assert s.next_chunk() is None


def test_head_gives_the_length_without_the_body(h: HttpTestHarness, name: str) -> None:
    h.request("PUT", f"/files/{name}", body=b"12345")
    r = h.request("HEAD", f"/files/{name}")
    assert (r.status, r.body, r.headers["content-length"]) == (200, b"", "5")


def test_a_missing_file_and_names_that_could_leave_the_directory(h: HttpTestHarness) -> None:
    assert h.request("GET", f"/files/none-{uuid.uuid4().hex}").status == 404
    for bad in (".hidden", "..", "a%20b", "x" * 129):
        r = h.request("PUT", f"/files/{bad}", body=b"x")
        assert (r.status, r.body) == (400, b"bad file name\n"), bad
        assert h.request("GET", f"/files/{bad}").status == 404, bad
    assert not os.path.exists(os.path.join(UPLOAD_DIR, ".hidden"))


def test_the_engine_answers_other_methods(h: HttpTestHarness) -> None:
    r = h.request("POST", "/files/x", body=b"x")
    assert (r.status, r.headers["allow"]) == (405, "GET, HEAD, PUT")
