# The script of ScriptHarnessTest and of the in-engine harness's own tests (harness/tests).
import json

from siphon import cache, http, log

started = []


@http.on_startup
async def warm():
    started.append(1)
    log.info("warmed")


@http.on_shutdown
async def bye():
    log.info("bye")


@http.middleware
async def guard(req):
    if req.path.startswith("/admin") and req.header("authorization") is None:
        return http.Response(status=401, body="unauthorized")
    return None


@http.route("/users/{id}")
async def user(req):
    log.info("user " + req.path_params["id"])
    return http.Response(status=200, headers={"content-type": "text/plain"}, body=f"user {req.path_params['id']}")


@http.route("/admin/stats")
def stats(req):
    return http.Response(body=json.dumps({"started": len(started)}), headers={"content-type": "application/json"})


@http.route("/who")
def who(req):
    tls = req.tls
    cert = req.client_cert
    return http.Response(body=json.dumps({
        "client": req.client, "scheme": req.scheme,
        "tls": None if tls is None else tls.protocol,
        "cert": None if cert is None else cert.subject,
        "q": req.query_params}))


@http.route("/upstream", methods=["POST"])
async def upstream(req):
    async with http.Client(base_url=req.header("x-upstream") or "https://api.example.com/v1") as c:
        try:
            r = await c.post("/things", body=req.body(), headers={"x-trace": "t1"})
        except http.TimeoutError as e:
            return http.Response(status=504, body=f"upstream timed out: {e}")
    return http.Response(status=r.status, body=r.body)


@http.route("/count", methods=["POST"])
async def count(req):
    n = await cache.incr("counters", "hits")
    return http.Response(body=json.dumps({"n": n, "got": json.loads(req.body())}))


@http.route("/broken")
def broken(req):
    return "not a response"


@http.route("/raises")
def raises(req):
    raise ValueError("boom")
