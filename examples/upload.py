# Uploads to disk and downloads from it, both streamed (docs/cookbook.md, "Uploads and downloads").
#
#   UPLOAD_DIR=/tmp/uploads bin/siphon-http --config examples/http.yaml --script examples/upload.py
#   curl -T big.iso http://127.0.0.1:8080/files/big.iso        # PUT, streamed to disk
#   curl -o copy.iso http://127.0.0.1:8080/files/big.iso        # GET, streamed from disk
#
# The PUT route takes its body as it arrives (stream=True): each chunk is written to a temporary
# file while the client is still sending, and the server reads from the client only as fast as
# the file is written, so a gigabyte upload holds a few hundred KiB of memory. max_body_bytes
# caps what a client may send (413 past it). The GET answers with a StreamingResponse that reads
# the file a chunk at a time, only as fast as the client takes them.
import hashlib
import json
import os
import re
import tempfile
from typing import AsyncIterator

from siphon import http, log

UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or os.path.join(tempfile.gettempdir(), "siphon-uploads")
NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")
CHUNK = 256 * 1024


@http.on_startup
def make_dir() -> None:
    os.makedirs(UPLOAD_DIR, exist_ok=True)


def path_of(name: str) -> str | None:
    """The file for ``name``, or None for a name that could leave the directory."""
    if not NAME.fullmatch(name) or name.startswith("."):
        return None
    return os.path.join(UPLOAD_DIR, name)


@http.route("/files/{name}", methods=["PUT"], stream=True, max_body_bytes=2 * 1024 ** 3)
async def put_file(req: http.Request) -> http.Response:
    path = path_of(req.path_params["name"])
    if path is None:
        return http.Response(400, body="bad file name\n")
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=UPLOAD_DIR, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            async for chunk in req.stream():
                f.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        os.replace(tmp, path)  # only a whole upload takes the name
    except http.StreamError as e:
        # the client stalled (408), sent too much (413) or went away (0): the server has answered
        # already (or there is nobody to answer), so this response is only for the record
        log.warn(f"upload of {req.path_params['name']} stopped after {size} bytes: {e} ({e.status})")
        os.unlink(tmp)
        return http.Response(e.status or 400, body="upload incomplete\n")
    except BaseException:
        os.unlink(tmp)
        raise
    body = json.dumps({"name": req.path_params["name"], "bytes": size, "sha256": digest.hexdigest()})
    return http.Response(201, headers={"content-type": "application/json"}, body=body)


@http.route("/files/{name}", methods=["GET"])
async def get_file(req: http.Request) -> http.Response:
    path = path_of(req.path_params["name"])
    if path is None or not os.path.isfile(path):
        return http.Response(404, body="no such file\n")
    size = os.path.getsize(path)

    async def chunks(file: str) -> AsyncIterator[bytes]:
        with open(file, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk

    return http.StreamingResponse(chunks(path), headers={"content-type": "application/octet-stream",
                                                     "content-length": str(size)})
