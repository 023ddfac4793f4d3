# Timing and CORS with (req, call_next) middleware (docs/cookbook.md, "Timing and CORS middleware").
#
#   bin/siphon-http --config examples/http.yaml --script examples/middleware.py
#   curl -i http://127.0.0.1:8080/api/notes/7
#   curl -i -X OPTIONS -H 'Origin: https://app.example' http://127.0.0.1:8080/api/notes/7
#
# A middleware with two parameters wraps everything registered after it and the handler:
# `resp = await call_next(req)` runs them and gives their Response, which it may change.
# `timing` is registered first, so it sees every routed request's answer, the guard's too.
import json
import time
from typing import Awaitable, Callable

from siphon import http, log

ALLOWED_ORIGINS = {"https://app.example"}
CallNext = Callable[[http.Request], Awaitable[http.Response]]


@http.middleware
async def timing(req: http.Request, call_next: CallNext) -> http.Response:
    t0 = time.perf_counter()
    resp = await call_next(req)
    ms = (time.perf_counter() - t0) * 1000
    resp.headers["server-timing"] = f"app;dur={ms:.1f}"
    log.info(f"{req.method} {req.path} -> {resp.status} in {ms:.1f} ms (request {req.request_id})")
    return resp


@http.middleware
def api_key(req: http.Request) -> http.Response | None:
    if req.method == "DELETE" and req.header("x-api-key") != "k1":
        return http.Response(status=403, body="a DELETE needs x-api-key")
    return None


# unmatched=True: it also runs for requests no route matches (only such middleware runs there,
# and call_next ends at the engine's 404 or 405), so it answers preflight OPTIONS on any path
@http.middleware(unmatched=True)
async def cors(req: http.Request, call_next: CallNext) -> http.Response:
    origin = req.header("origin")
    if req.method == "OPTIONS":
        resp = http.Response(status=204)  # a preflight: answered here, the handler never runs
    else:
        resp = await call_next(req)
    if origin in ALLOWED_ORIGINS:
        resp.headers["access-control-allow-origin"] = origin
        resp.headers["vary"] = "Origin"
        if req.method == "OPTIONS":
            resp.headers["access-control-allow-methods"] = "GET, DELETE"
            resp.headers["access-control-allow-headers"] = "content-type, x-api-key"
            resp.headers["access-control-max-age"] = "600"
    return resp


@http.route("/api/notes/{id}", methods=["GET", "DELETE"])
async def note(req: http.Request) -> http.Response:
    nid = req.path_params["id"]
    if req.method == "DELETE":
        return http.Response(status=204)
    return http.Response(headers={"content-type": "application/json"}, body=json.dumps({"id": nid}))
