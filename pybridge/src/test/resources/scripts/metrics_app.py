# Script metrics (from siphon import metrics) for ScriptMetricsTest: registered at module level in
# every worker context, recorded by the routes, read from the admin listener's /metrics.
import uuid

from siphon import http, metrics

HITS = metrics.counter("app_hits", "hits, by worker-independent kind", labels=["kind"])
INFLIGHT = metrics.gauge("app_inflight", "a gauge")
SIZES = metrics.histogram("app_size_bytes", "sizes", buckets=[10, 100, 1000])
PLAIN = metrics.counter("app_plain_total", "no labels")
MANY = metrics.counter("app_many", "one series per value", labels=["value"])
WORKER = uuid.uuid4().hex  # one per worker context


@http.route("/hit/{kind}")
async def hit(req):
    HITS.labels(kind=req.path_params["kind"]).inc()
    PLAIN.inc(2)
    INFLIGHT.inc()
    INFLIGHT.dec(0.5)
    SIZES.observe(len(req.path_params["kind"]) * 20)
    return http.Response(body=str(WORKER))


@http.route("/errors")
def errors(req):
    out = []
    for call in (lambda: metrics.counter("app_hits", "again"),
                 lambda: metrics.gauge("2bad", "h"),
                 lambda: metrics.counter("ok_name", "h", labels=["__reserved"]),
                 lambda: metrics.histogram("h_bad", "h", buckets=[5, 1]),
                 lambda: HITS.inc(),
                 lambda: HITS.labels(nope="x"),
                 lambda: PLAIN.inc(-1),
                 lambda: metrics.counter("siphon_http_requests", "taken by the engine")):
        try:
            call()
            out.append("no error")
        except (ValueError, TypeError) as e:
            out.append(f"{type(e).__name__}: {e}")
    return http.Response(body="\n".join(out))


@http.route("/many/{n}")
def many(req):
    for i in range(int(req.path_params["n"])):
        MANY.labels(value=f"v{i}").inc()
    return http.Response(body="ok")


@http.route("/boom")
def boom(req):
    raise RuntimeError("boom")


API = http.Client("api")
NOWHERE = http.Client(base_url="http://127.0.0.1:1", timeout_ms=2000)


@http.route("/call")
async def call(req):
    r = await API.get("/hello/x")
    try:
        await NOWHERE.get("/")
        return http.Response(body=f"{r.status} and no error")
    except http.ConnectError as e:
        return http.Response(body=f"{r.status} and {type(e).__name__}")
