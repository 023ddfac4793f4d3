"""Streaming routes and responses for harness/tests/test_streaming.py (both harnesses)."""
import asyncio

from siphon import http

subscribers = set()
closed = []


@http.route("/upload/{name}", methods=["PUT", "POST"], stream=True, max_body_bytes=16)
async def upload(req):
    sizes = []
    async for chunk in req.stream():
        sizes.append(len(chunk))
    try:
        req.stream()
        again = "read twice"
    except RuntimeError as e:
        again = str(e)
    try:
        req.body()
        body = "body after stream"
    except RuntimeError as e:
        body = str(e)
    return http.Response(201, body=f"{req.path_params['name']} {sum(sizes)} {len(sizes)}|{again}|{body}")


@http.route("/whole", methods=["POST"], stream=True)
async def whole(req):
    data = req.body()  # the whole body, on a stream route too
    return http.Response(200, body=data[::-1])


@http.route("/plain", methods=["POST"])
async def plain(req):
    first = b"".join([c async for c in req.stream()])
    second = b"".join([c async for c in req.stream()])  # not a stream route: the body each time
    return http.Response(200, body=first + b"|" + second + b"|" + req.body())


@http.route("/chunks")
async def chunks(req):
    async def gen():
        yield "caf\u00e9 "
        yield b""
        yield bytearray(b"au ")
        yield b"lait"
    return http.StreamingResponse(gen(), status=203, headers={"content-type": "text/plain", "x-kind": "async"})


@http.route("/sync")
def sync(req):
    return http.StreamingResponse(iter([b"one,", "two"]), headers={"content-length": "7"})


@http.route("/raises")
async def raises(req):
    async def gen():
        yield b"partial"
        raise ValueError("disk gone")
    return http.StreamingResponse(gen())


@http.route("/yields-int")
async def yields_int(req):
    async def gen():
        yield b"ok"
        yield 42
    return http.StreamingResponse(gen())


@http.route("/too-short")
async def too_short(req):
    return http.StreamingResponse(iter([b"12345"]), headers={"content-length": "10"})


@http.route("/bad-body")
async def bad_body(req):
    return http.StreamingResponse(b"not an iterator")


@http.route("/set-body")
async def set_body(req):
    r = http.StreamingResponse(iter([b"x"]))
    try:
        r.body = b"y"
    except TypeError:
        return http.Response(200, body=f"TypeError; body={r.body!r}")
    return http.Response(500)


@http.route("/stream-error")
async def stream_error(req):
    e = http.StreamError("too long", 413)
    return http.Response(200, body=f"{isinstance(e, RuntimeError)} {e.status} {http.StreamError('x').status}")


@http.route("/feed")
async def feed(req):
    queue = asyncio.Queue()
    subscribers.add(queue)

    async def events():
        try:
            yield "hello\n"
            while True:
                item = await queue.get()
                if item is None:
                    return
                yield item
        finally:
            subscribers.discard(queue)
            closed.append(1)

    return http.StreamingResponse(events(), headers={"content-type": "text/event-stream"})


@http.route("/publish", methods=["POST"])
async def publish(req):
    text = req.body().decode()
    for q in list(subscribers):
        q.put_nowait(None if text == "END" else text + "\n")
    return http.Response(202, body=f"{len(subscribers)} {len(closed)}")


@http.route("/relay", methods=["POST"], stream=True)
async def relay(req):
    api = http.Client(base_url="https://upstream.example")

    async def upload():
        async for chunk in req.stream():
            yield chunk.upper()

    r = await api.post("/in", body=upload(), stream=True)
    try:
        r.body
        early = "body readable"
    except RuntimeError:
        early = "body not read yet"
    data = await r.read()
    return http.Response(r.status, body=f"{early}|{data.decode()}|{r.body.decode()}")


@http.route("/relay-stream")
async def relay_stream(req):
    api = http.Client(base_url="https://upstream.example")
    r = await api.get("/out", stream=True)
    return http.StreamingResponse(r.stream(), status=r.status, headers={"content-type": r.headers["content-type"]})


@http.route("/bad-upload", methods=["POST"])
async def bad_upload(req):
    api = http.Client(base_url="https://upstream.example")

    def parts():
        yield b"a"
        raise OSError("source gone")

    try:
        await api.post("/in", body=parts())
    except http.ClientError as e:
        return http.Response(502, body=f"{type(e).__name__}: {e}")
    return http.Response(200)
