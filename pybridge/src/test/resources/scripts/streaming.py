# Streamed bodies both ways, for StreamingScriptTest.
import asyncio
import hashlib
import json

from siphon import http

state = {"closed": 0, "stream_errors": [], "body_errors": []}
clients = {}


@http.route("/upload", methods=["POST", "PUT"], stream=True)
async def upload(req):
    h = hashlib.sha256()
    n = 0
    chunks = 0
    try:
        async for chunk in req.stream():
            h.update(chunk)
            n += len(chunk)
            chunks += 1
    except http.StreamError as e:
        state["stream_errors"].append(e.status)
        return http.Response(e.status or 400, body="incomplete")
    return http.Response(200, body=f"{n} {h.hexdigest()} {chunks}")


@http.route("/whole", methods=["POST"], stream=True, max_body_bytes=100000)
async def whole(req):
    return http.Response(200, body=str(len(req.body())))


@http.route("/twice", methods=["POST"], stream=True)
async def twice(req):
    req.stream()
    try:
        req.stream()
    except RuntimeError as e:
        return http.Response(200, body=str(e))
    return http.Response(500)


@http.route("/buffered", methods=["POST"])
async def buffered(req):
    parts = [c async for c in req.stream()]
    return http.Response(200, body=f"{len(parts)} {sum(map(len, parts))}")


@http.route("/echo", methods=["POST", "PUT"], stream=True)
async def echo(req):
    return http.StreamingResponse(req.stream(), headers={"content-type": "application/octet-stream"})


@http.route("/relay/{port}", methods=["POST", "PUT"], stream=True)
async def relay(req):
    port = req.path_params["port"]
    c = clients.get(port)
    if c is None:
        c = clients[port] = http.Client(base_url=f"http://127.0.0.1:{port}")
    r = await c.request(req.method, "/echo", body=req.stream(), stream=True)
    return http.StreamingResponse(r.stream(), status=r.status, headers={"x-relayed": "1"})


@http.route("/count/{n}")
async def count(req):
    n = int(req.path_params["n"])

    async def gen():
        for i in range(n):
            yield f"line {i}\n"
    return http.StreamingResponse(gen(), headers={"content-type": "text/plain"})


@http.route("/sync-items")
async def sync_items(req):
    return http.StreamingResponse(iter([b"a", "b", bytearray(b"c")]))


@http.route("/sse")
async def sse(req):
    async def events():
        for i in range(3):
            yield f"data: tick {i}\n\n"
            await asyncio.sleep(0.6)
    return http.StreamingResponse(events(), headers={"content-type": "text/event-stream"})


@http.route("/forever")
async def forever(req):
    async def gen():
        try:
            while True:
                yield b"x" * 65536
                await asyncio.sleep(0)
        finally:
            state["closed"] += 1
    return http.StreamingResponse(gen())


@http.route("/idle-forever")
async def idle_forever(req):
    async def gen():
        try:
            yield b"first\n"
            await asyncio.sleep(3600)
            yield b"never\n"
        finally:
            state["closed"] += 1
    return http.StreamingResponse(gen())


@http.route("/broken")
async def broken(req):
    async def gen():
        yield b"x" * 1000
        raise ValueError("boom in the middle")
    return http.StreamingResponse(gen())


@http.route("/not-bytes")
async def not_bytes(req):
    async def gen():
        yield b"ok"
        yield 42
    return http.StreamingResponse(gen())


@http.route("/declared")
async def declared(req):
    async def gen():
        yield b"12345"
    return http.StreamingResponse(gen(), headers={"content-length": "5"})


@http.route("/state")
async def get_state(req):
    return http.Response(200, body=json.dumps(state))


@http.route("/bad-constructions")
async def bad_constructions(req):
    out = []
    for make in (lambda: http.StreamingResponse(b"bytes"), lambda: http.StreamingResponse(5),
                 lambda: http.route("/x", stream=True, max_body_bytes=-1),
                 lambda: http.route("/x", max_body_bytes=10)):
        try:
            make()
            out.append("none")
        except (TypeError, ValueError) as e:
            out.append(type(e).__name__)
    return http.Response(200, body=",".join(out))
