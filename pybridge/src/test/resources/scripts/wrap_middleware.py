# (req, call_next) middleware mixed with (req) guards: WrapMiddlewareTest.
import asyncio

from siphon import http, log

order = []


@http.middleware
async def timing(req, call_next):
    order.append("timing>")
    try:
        resp = await call_next(req)
    except asyncio.CancelledError:
        log.info("timing saw the cancellation of " + req.path)
        raise
    finally:
        order.append("<timing")
    resp.headers["x-timing"] = "1"
    return resp


@http.middleware
def guard(req):
    if req.path.startswith("/private") and req.header("authorization") is None:
        return http.Response(status=401, body="guarded")
    return None


@http.middleware
async def rescue(req, call_next):
    try:
        return await call_next(req)
    except LookupError as e:
        return http.Response(status=404, body=f"rescued: {e}")


@http.middleware
def sync_wrap(req, call_next):
    if req.path == "/sync-touch":
        resp = call_next(req)
        resp.headers["x-bad"] = "1"  # not awaited: a clear TypeError
        return resp
    if req.path == "/sync-replace":
        return http.Response(status=203, body="replaced by a sync middleware")
    return call_next(req)  # a sync middleware may hand the rest of the chain back as it is


@http.route("/hello")
async def hello(req):
    return http.Response(body="hi")


@http.route("/private/data")
def private(req):
    return http.Response(body="secret")


@http.route("/missing/{key}")
def missing(req):
    raise LookupError(req.path_params["key"])


@http.route("/boom")
def boom(req):
    raise ValueError("boom")


@http.route("/not-a-response")
def not_a_response(req):
    return 42


@http.route("/sync-touch")
def sync_touch(req):
    return http.Response(body="x")


@http.route("/sync-replace")
def sync_replace(req):
    return http.Response(body="never")


@http.route("/slow")
async def slow(req):
    await asyncio.sleep(30)
    return http.Response(body="late")


@http.route("/order")
def show_order(req):
    return http.Response(body=",".join(order))


@http.middleware(unmatched=True)
def retired(req):
    if req.path == "/old-hello":  # a retired path, which no route matches any more
        return http.Response(status=308, headers={"location": "/hello"})
    return None


@http.middleware(unmatched=True)
async def not_found_page(req, call_next):
    resp = await call_next(req)  # for a request no route matched: the engine's 404 or 405
    if resp.status == 404:
        return http.Response(status=404, headers={"content-type": "text/html"},
                             body=f"<h1>no page at {req.path}</h1>")
    resp.headers["x-unmatched"] = str(resp.status)
    return resp
