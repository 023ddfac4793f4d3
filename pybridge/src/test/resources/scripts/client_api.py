# The script behind ClientScriptTest: http.Client against real upstreams, one worker.
import asyncio

from siphon import cache, http

# named clients exist before the script loads, so module-level code may take one
api = http.Client("api")


def _text(r):
    return r.body.decode("utf-8")


@http.route("/named/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def named_echo(req):
    call = getattr(api, req.method.lower())
    kw = {"headers": {"X-Test": "t1", "Content-Type": "text/plain"}}
    if req.method in ("POST", "PUT", "PATCH"):
        kw["body"] = req.body()
    r = await call("/echo?x=1", **kw)
    return http.Response(status=r.status, headers={
        "x-upstream-method": r.headers["x-method"],
        "x-upstream-test": r.headers["x-test"],
        "x-upstream-target": r.headers["x-target"],
        "x-upstream-version": r.headers["x-version"],
        "x-names-lower": str(all(k == k.lower() for k in r.headers)),
        "x-is-response": str(isinstance(r, http.Response)),
    }, body=r.body)


@http.route("/str-body")
async def str_body(req):
    r = await api.post("/echo", body="h\u00e9llo \u2713")
    return http.Response(body=r.body)


@http.route("/join")
async def join(req):
    c = http.Client(base_url=req.query_params["base"])
    out = []
    for p in ("users", "/users", "", req.query_params["abs"]):
        out.append(_text(await c.get(p)))
    return http.Response(body="\n".join(out))


@http.route("/inline-many")
async def inline_many(req):
    r = None
    for _ in range(int(req.query_params["n"])):
        # one client per call, as a careless handler would: equal settings share one pool
        async with http.Client(base_url=req.query_params["base"], timeout_ms=2500) as c:
            r = await c.get("/v1/echo")
    return http.Response(body=r.body)


@http.route("/closed")
async def closed(req):
    async with http.Client(base_url=req.query_params["base"]) as c:
        first = await c.get("/v1/echo")
    try:
        await c.get("/v1/echo")
    except http.ClientError as e:
        return http.Response(body=f"{first.status} then {type(e).__name__}: {e}")
    return http.Response(body="no error")


@http.route("/status/{code}")
async def status(req):
    r = await api.get("/status/" + req.path_params["code"])
    try:
        r.raise_for_status()
    except http.HTTPStatusError as e:
        return http.Response(body=f"{type(e).__name__} {e.status} {e.response.status} "
                                  f"{isinstance(e, http.ClientError)} {isinstance(e, http.HTTPError)}")
    return http.Response(body=f"ok {r.status}")


@http.route("/error")
async def error(req):
    q = req.query_params
    c = http.Client(timeout_ms=int(q.get("timeout", "5000")))
    try:
        await c.get(q["url"])
    except http.ClientError as e:
        return http.Response(body=f"{type(e).__name__}|{isinstance(e, TimeoutError)}|{e}")
    return http.Response(body="no error")


@http.route("/runtime-error")
async def runtime_error(req):
    """A script written for the original catches every client failure as RuntimeError."""
    out = []
    for url in (req.query_params["refused"], req.query_params["missing"]):
        try:
            (await http.Client(timeout_ms=2000).get(url)).raise_for_status()
            out.append("no error")
        except RuntimeError as e:
            out.append(type(e).__name__)
    return http.Response(body=" ".join(out))


@http.route("/redirects")
async def redirects(req):
    base = req.query_params["base"]
    followed = await http.Client(base_url=base).get("/v1/moved")
    kept = await http.Client(base_url=base, follow_redirects=False).get("/v1/moved")
    try:
        await http.Client(base_url=base).get("/v1/loop")
        loop = "no error"
    except http.TooManyRedirectsError as e:
        loop = f"{type(e).__name__} {isinstance(e, RuntimeError)}"
    return http.Response(body=f"{followed.status} {_text(followed)}|{kept.status} {kept.headers.get('location')}|{loop}")


@http.route("/uncaught")
async def uncaught(req):
    await http.Client(timeout_ms=2000).get(req.query_params["url"])
    return http.Response(body="unreachable")


@http.route("/unknown")
def unknown(req):
    try:
        http.Client("nope")
    except LookupError as e:
        return http.Response(body=str(e))
    return http.Response(body="no error")


@http.route("/bad-base")
def bad_base(req):
    try:
        http.Client(base_url="ftp://example.com/x")
    except ValueError as e:
        return http.Response(body=str(e))
    return http.Response(body="no error")


@http.route("/no-base")
async def no_base(req):
    try:
        await http.Client().get("/relative")
    except ValueError as e:
        return http.Response(body=str(e))
    return http.Response(body="no error")


@http.route("/slow")
async def slow(req):
    r = await api.get("/slow/" + req.query_params["ms"])
    return http.Response(body=r.body)


@http.route("/fast")
def fast(req):
    return http.Response(body="fast")


@http.route("/gather")
async def gather(req):
    rs = await asyncio.gather(*[api.get(f"/echo?i={i}") for i in range(int(req.query_params["n"]))])
    return http.Response(body=",".join(r.headers["x-target"].split("=")[1] for r in rs))


@http.route("/hang")
async def hang(req):
    try:
        await http.Client("hang").get("/never")
    except asyncio.CancelledError:
        await cache.store("client", "hang", "cancelled")
        raise
    return http.Response(body="unreachable")


@http.route("/hang-seen")
async def hang_seen(req):
    return http.Response(body=str(await cache.fetch("client", "hang", default="no")))


@http.route("/h2")
async def h2(req):
    r = await http.Client("h2").post("/v1/echo", body=b"over h2c")
    return http.Response(body=r.headers["x-version"] + " " + _text(r))


@http.route("/mapping")
def mapping(req):
    return http.Response(body=",".join(sorted(http._ERROR_KINDS)))


@http.route("/hierarchy")
def hierarchy(req):
    checks = [
        issubclass(http.TimeoutError, TimeoutError),
        issubclass(http.ConnectTimeoutError, http.ConnectError),
        issubclass(http.ConnectTimeoutError, http.TimeoutError),
        issubclass(http.PoolTimeoutError, http.TimeoutError),
        all(issubclass(getattr(http, n), http.ClientError) for n in
            ("ConnectError", "TimeoutError", "TLSError", "ProtocolError", "PoolTimeoutError", "PoolExhaustedError",
             "ConnectionClosedError", "ResponseTooLargeError", "OriginNotAllowedError", "HTTPStatusError")),
    ]
    return http.Response(body=str(checks))


@http.route("/cap", methods=["POST"])
async def cap(req):
    # the body cap of a named client (http.yaml) or an inline one; the upstream echoes the body
    q = req.query_params
    if "max" in q:
        c = http.Client(base_url=q["base"], max_response_bytes=int(q["max"]))
    else:
        c = http.Client("capped")
    try:
        r = await c.post("/echo", body=req.body())
    except http.ClientError as e:
        return http.Response(body=f"{type(e).__name__}|{e}")
    return http.Response(body=f"ok {len(r.body)}")


@http.route("/origin")
async def origin(req):
    q = req.query_params
    clients = {
        "api": lambda: api,
        "anywhere": lambda: http.Client("anywhere"),
        "inline": lambda: http.Client(base_url=q.get("base")),
        "inline-open": lambda: http.Client(base_url=q.get("base"), allow_other_origins=True),
    }
    c = clients[q["client"]]()
    try:
        r = await c.get(q["url"])
    except http.OriginNotAllowedError as e:
        return http.Response(body=f"{type(e).__name__}|{isinstance(e, http.ClientError)}|{e}")
    return http.Response(body=f"ok {r.status} {_text(r)}")


@http.route("/client-args")
def client_args(req):
    out = []
    for kw in ({"max_response_bytes": "10"}, {"max_response_bytes": True}, {"max_response_bytes": 0},
               {"max_response_bytes": (1 << 30) + 1}):
        try:
            http.Client(base_url="http://127.0.0.1:1", **kw)
            out.append("accepted")
        except (TypeError, ValueError) as e:
            out.append(f"{type(e).__name__}: {e}")
    for kw in ({"max_response_bytes": 5}, {"allow_other_origins": True}):
        try:
            http.Client("api", **kw)
            out.append("accepted")
        except TypeError as e:
            out.append(f"{type(e).__name__}: {e}")
    return http.Response(body="\n".join(out))


@http.route("/client-settings")
def client_settings(req):
    out = []
    for kw in ({"pool_size": 2}, {"pool_size": 0}, {"pool_size": "2"},
               {"pool_size": 1, "max_connections": 3}, {"max_connections": 0},
               {"proxy": "http://user:pw@127.0.0.1:3128", "no_proxy": "localhost, .internal"},
               {"proxy": "socks5://127.0.0.1:1080"}, {"proxy": 3128},
               {"timeout_ms": 0}, {"timeout_ms": 1 << 70},
               {"bogus": 1}, {"cert": ("a.pem", "b.pem"), "key": "c.pem"}):
        try:
            http.Client(base_url="http://127.0.0.1:1", **kw)
            out.append("accepted")
        except (TypeError, ValueError) as e:
            out.append(f"{type(e).__name__}: {e}")
    return http.Response(body="\n".join(out))
