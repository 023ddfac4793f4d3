# The siphon side of bench/stream-transfer.py: a gigabyte up and down through streamed bodies.
#
#   bin/siphon-http --config bench/python/stream.yaml --script bench/python/stream.py
#   curl -T big.iso http://127.0.0.1:18680/upload                 # -> "<bytes> <chunks>"
#   curl -o /dev/null http://127.0.0.1:18680/download/1073741824  # 1 GiB of zeros
#
# What a user writes, and no more: the upload route only counts the bytes (and the chunks, which
# is what the per-chunk cost in docs/performance.md is divided by). A digest would be the thing
# measured then -- hashlib.sha256 runs at a few hundred MB/s on one core, slower than the
# transfer -- so there is none. The download route yields one preallocated 256 KiB bytes object
# again and again (the last piece a slice of it), so the Python side allocates nothing per chunk
# and the figure is what the engine's streaming path costs.
from siphon import http

CHUNK = 256 * 1024
ZEROS = bytes(CHUNK)


@http.route("/upload", methods=["POST", "PUT"], stream=True)
async def upload(req):
    n = 0
    chunks = 0
    async for chunk in req.stream():
        n += len(chunk)
        chunks += 1
    return http.Response(200, body=f"{n} {chunks}\n")


@http.route("/download/{n}")
async def download(req):
    n = int(req.path_params["n"])

    async def body():
        left = n
        while left >= CHUNK:
            yield ZEROS
            left -= CHUNK
        if left:
            yield ZEROS[:left]

    return http.StreamingResponse(body(), headers={"content-type": "application/octet-stream",
                                                   "content-length": str(n)})
