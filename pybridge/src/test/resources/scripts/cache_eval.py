# The cache tests' script: POST /eval with a Python expression over `cache` (a coroutine, awaited),
# answered with the repr of its result; an exception is answered 503 as "Type: message".
# X-Worker names the worker context (numbered by an on_startup hook through the local cache "meta").
import time

from siphon import cache, http

WORKER = "?"


@http.on_startup
async def number():
    global WORKER
    WORKER = str(await cache.incr("meta", "workers"))


@http.route("/eval", methods=["POST"])
async def evaluate(req):
    want = req.header("x-want-worker")
    if want and want != WORKER:
        return http.Response(status=421, headers={"X-Worker": WORKER}, body="another worker")
    expr = req.body().decode()
    t0 = time.monotonic()
    try:
        r = eval(expr, {"cache": cache})
        if hasattr(r, "__await__"):
            r = await r
    except Exception as e:
        return http.Response(status=503, headers={"X-Worker": WORKER, "X-Ms": str(int((time.monotonic() - t0) * 1000))},
                             body=f"{type(e).__name__}: {e}")
    return http.Response(headers={"X-Worker": WORKER, "X-Ms": str(int((time.monotonic() - t0) * 1000))},
                         body=repr(r))


@http.route("/roundtrip/{name}")
async def roundtrip(req):
    name = req.path_params["name"]
    values = ["s", "", "42", "-7", "ünï", "\xffx", b"\x00\xff", b"", 12345678901234567890, 42, -1, 1.0, 2.5e-300,
              True, False, None]
    out = []
    for i, v in enumerate(values):
        assert await cache.store(name, f"rt{i}", v) is True
        got = await cache.fetch(name, f"rt{i}", default="DEFAULT")
        out.append(type(got).__name__ + ":" + repr(got == v and type(got) is type(v)))
    return http.Response(body=",".join(out))
