# The script of tests/test_timers_and_metrics.py: a periodic job, a one-shot timer, metrics.
from siphon import cache, http, metrics, timer

hits = metrics.counter("app_hits", "requests seen", labels=["route"])
depth = metrics.gauge("app_depth", "a gauge")
sizes = metrics.histogram("app_sizes", "body sizes", buckets=[10, 100])


@timer.every(seconds=30, name="sweep", jitter=1)
async def sweep():
    await cache.incr("jobs", "sweeps")


@timer.every(seconds=60, name="fails")
def fails():
    raise RuntimeError("sweep broke")


async def remind(key):
    await cache.store("reminders", key, "sent")


@http.route("/arm/{key}", methods=["POST"])
def arm(req):
    timer.set(req.path_params["key"], 5000, remind)
    hits.labels("arm").inc()
    depth.set(7)
    sizes.observe(len(req.body()))
    return http.Response(status=202)


@http.route("/state/{key}")
async def state(req):
    hits.labels(route="state").inc()
    return http.Response(body=str(await cache.fetch("reminders", req.path_params["key"])))
