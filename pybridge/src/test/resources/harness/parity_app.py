# The script HarnessParityTest sends one table of requests to, through the engine and through the
# CPython harness (python/siphon-testing); every answer must be the same.
import asyncio
import json

from siphon import http


@http.middleware
def block(req):
    if req.header("x-block") is not None:
        return http.Response(status=403, headers={"x-blocked-by": "block"}, body=b"blocked")
    if req.header("x-mw-bad") is not None:
        return "not a response"
    return None


@http.middleware
async def slow_block(req):
    if req.header("x-async-block") is not None:
        await asyncio.sleep(0)
        return http.Response(status=401, body="async no")
    return None


@http.route("/static")
def static(req):
    return http.Response(body=b"static")


@http.route("/users/{id}")
def user(req):
    return http.Response(headers={"content-type": "text/plain"}, body=f"user {req.path_params['id']}")


@http.route("/users/me")
def me(req):
    return http.Response(body=b"me")


@http.route("/files/{*rest}")
def files(req):
    return http.Response(body="rest=" + req.path_params["rest"])


@http.route("/café")
def cafe(req):
    return http.Response(body="café".encode())


@http.route("/items", methods=["POST", "PUT"])
async def items(req):
    data = json.loads(req.body())
    return http.Response(status=201, headers={"Content-Type": "application/json"},
                         body=json.dumps({"got": data, "method": req.method}))


@http.route("/query")
def query(req):
    return http.Response(headers={"content-type": "application/json"},
                         body=json.dumps({"q": req.query_params, "raw": req.query_string, "path": req.path},
                                         sort_keys=True))


@http.route("/echo", methods=["POST"])
def echo(req):
    return http.Response(headers={"content-type": req.header("content-type") or "none",
                                  "x-len": str(len(req.body())), "x-custom": req.header("X-Custom") or "none"},
                         body=req.body())


@http.route("/boom")
def boom(req):
    raise RuntimeError("kaput")


@http.route("/none")
async def none(req):
    await asyncio.sleep(0)


@http.route("/notresp")
def notresp(req):
    return "oops"


@http.route("/headers")
def headers(req):
    return http.Response(headers={"X-Multi": ["a", "b"], "X-Tuple": ("1", "two"), "X-Int": 7,
                                  "Cache-Control": "no-store"}, body=b"h")


@http.route("/framing")
def framing(req):
    return http.Response(headers={"Content-Length": "999", "Date": "yesterday", "Transfer-Encoding": "chunked",
                                  "x-kept": "yes"}, body=b"abc")


@http.route("/nocontent", methods=["GET", "DELETE"])
def nocontent(req):
    return http.Response(status=204, body=b"ignored")


@http.route("/badheader")
def badheader(req):
    return http.Response(headers={"x-bad": "a\nb"}, body=b"x")


@http.route("/badname")
def badname(req):
    return http.Response(headers={"bad name": "x"}, body=b"x")


@http.route("/async")
async def slow(req):
    await asyncio.sleep(0.01)
    return http.Response(status=202, body=b"later")


@http.route("/status/{code}")
def status(req):
    return http.Response(status=int(req.path_params["code"]), body=b"s")


@http.route("/a/{x}/c")
def a_x_c(req):
    return http.Response(body="a-x-c " + req.path_params["x"])


@http.route("/a/b/d")
def a_b_d(req):
    return http.Response(body=b"a-b-d")


@http.route("/head-own", methods=["GET", "HEAD"])
def head_own(req):
    return http.Response(headers={"x-method": req.method}, body=b"own")


@http.route("/stream-echo", methods=["POST"], stream=True, max_body_bytes=32)
async def stream_echo(req):
    parts = [c async for c in req.stream()]
    return http.Response(headers={"x-bytes": str(sum(len(p) for p in parts))}, body=b"".join(parts))


@http.route("/stream-sized")
async def stream_sized(req):
    async def gen():
        yield "hello "
        yield b"world"
    return http.StreamingResponse(gen(), headers={"content-type": "text/plain", "content-length": "11"})


@http.route("/stream-chunked")
def stream_chunked(req):
    return http.StreamingResponse(iter([b"a", b"b"]), status=201, headers={"x-kind": "chunked"})


@http.route("/stream-nocontent")
def stream_nocontent(req):
    return http.StreamingResponse(iter([b"never sent"]), status=204)
