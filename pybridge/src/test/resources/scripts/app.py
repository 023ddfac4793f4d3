# The script behind PythonServerTest (2 workers): every semantic of SPEC section 4 that
# one shared server can show. Written as for the original: `from siphon import http, log`.
from siphon import http, log
from siphon import cache
import asyncio
import uuid

WORKER = uuid.uuid4().hex  # one per worker context
STARTED = "no"


@http.on_startup
async def warm():
    global STARTED
    await asyncio.sleep(0.3)  # an async hook runs to completion before any listener accepts
    STARTED = "yes"
    log.info("startup hook ran in worker " + WORKER)


@http.middleware
def first(req):
    stop = req.header("x-stop") or ""
    if "1" in stop:
        return http.Response(status=401, body=b"first")
    if "bad" in stop:
        return "not a response"
    return None


@http.middleware
async def second(req):
    stop = req.header("x-stop") or ""
    if "2" in stop:
        await asyncio.sleep(0)
        return http.Response(status=403, body="second saw " + repr(req.path_params))
    return None


@http.route("/hello/{name}")
def hello(req):
    return http.Response(body=f"hi {req.path_params['name']}")


@http.route("/webhook")
def webhook_get(req):
    return http.Response(body="webhook GET")


@http.route("/webhook", methods=["post"])
def webhook_post(req):
    log.info("webhook got " + str(len(req.body())) + " bytes")
    return http.Response(status=202, body=b"webhook POST " + req.body())


@http.route("/inspect/{a}/{*rest}", methods=["GET", "PUT"])
def inspect(req):
    lines = [
        "method=" + req.method,
        "path=" + req.path,
        "params=" + repr(sorted(req.path_params.items())),
        "query=" + repr(sorted(req.query_params.items())),
        "x-multi=" + repr(req.headers.get("x-multi")),
        "header=" + repr(req.header("X-ONE")),
        "missing=" + repr(req.header("x-none")),
        "client=" + req.client,
        "body=" + req.body().hex(),
        "lower=" + repr(all(k == k.lower() for k in req.headers)),
    ]
    return http.Response(headers={"X-Reply": "yes"}, body="\n".join(lines))


@http.route("/raise")
def raises(req):
    raise RuntimeError("handler blew up on purpose")


@http.route("/none")
def returns_none(req):
    return None


@http.route("/str")
async def returns_str(req):
    return "a str is not a Response"


@http.route("/whoami")
def whoami(req):
    return http.Response(body=WORKER)


@http.route("/started")
def started(req):
    return http.Response(body=STARTED)


@http.route("/cache/{key}", methods=["PUT", "GET", "DELETE"])
async def cache_route(req):
    key = req.path_params["key"]
    if req.method == "PUT":
        await cache.store("t", key, req.body(), ttl=float(req.query_params.get("ttl", "60")))
        return http.Response(status=204, headers={"X-Worker": WORKER})
    if req.method == "DELETE":
        return http.Response(body=repr(await cache.delete("t", key)))
    if not await cache.exists("t", key):
        return http.Response(status=404, headers={"X-Worker": WORKER}, body=b"absent")
    return http.Response(headers={"X-Worker": WORKER}, body=await cache.fetch("t", key))


@http.route("/cache-types")
async def cache_types(req):
    values = ["s", b"\x00\xff", 12345678901234567890, 1.0, True, False, None]
    out = []
    for i, v in enumerate(values):
        await cache.store("types", str(i), v)
        got = await cache.fetch("types", str(i), default="DEFAULT")
        out.append(type(got).__name__ + ":" + repr(got == v))
    out.append(repr(await cache.fetch("types", "absent", default="dflt")))
    return http.Response(body=",".join(out))


@http.route("/client")
def client(req):
    try:
        http.Client("api")
    except LookupError as e:
        return http.Response(status=404, body=str(e))
    return http.Response(body="constructed")


@http.route("/raise-for-status/{code}")
def raise_for_status(req):
    r = http.Response(status=int(req.path_params["code"]))
    try:
        r.raise_for_status()
        return http.Response(body="ok")
    except http.HTTPError as e:
        return http.Response(body="raised " + str(e.status))


@http.route("/ssl")
def ssl_module(req):
    # the runtime hides ssl while asyncio loads; a script still gets the real module
    import ssl
    return http.Response(body=f"{hasattr(ssl, 'SSLContext')} {ssl.PROTOCOL_TLS_CLIENT is not None}")


@http.route("/request-id")
def request_id(req):
    return http.Response(body=req.request_id)
