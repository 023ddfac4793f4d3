# A periodic job and one-shot reminders with `timer` (docs/cookbook.md, "Jobs and reminders").
#
#   bin/siphon-http --config examples/http.yaml --script examples/jobs.py
#   curl -i -X POST 'http://127.0.0.1:8080/reminders/r1?in_ms=300'
#   curl -i http://127.0.0.1:8080/reminders/r1
#   curl -i http://127.0.0.1:8080/jobs
#
# `@timer.every` runs once per process (in one worker), however many worker contexts load the
# script; `timer.set` keys are process-wide, so any worker can cancel a reminder another armed.
# The state lives in `cache`, which every worker shares.
import json

from siphon import cache, http, log, timer

MAX_DELAY_MS = 86_400_000


def _json(status: int, doc: object) -> http.Response:
    return http.Response(status=status, headers={"Content-Type": "application/json"}, body=json.dumps(doc))


@timer.every(seconds=1, name="heartbeat")
async def heartbeat() -> None:
    n = await cache.incr("jobs", "heartbeats")
    if n is not None and n % 60 == 0:
        log.info(f"heartbeat {n}")


async def remind(key: str) -> None:
    rid = key.removeprefix("reminder-")
    await cache.store("reminders", rid, "sent")
    log.info(f"reminder {rid} sent")


@http.route("/reminders/{id}", methods=["POST"])
async def arm(req: http.Request) -> http.Response:
    rid = req.path_params["id"]
    try:
        in_ms = int(req.query_params.get("in_ms", "1000"))
    except ValueError:
        return _json(400, {"error": "in_ms must be an integer"})
    if not 0 <= in_ms <= MAX_DELAY_MS:
        return _json(400, {"error": f"in_ms must be from 0 to {MAX_DELAY_MS}"})
    await cache.store("reminders", rid, "pending")
    timer.set("reminder-" + rid, in_ms, remind)  # arming r1 again replaces its timer
    return _json(202, {"id": rid, "state": "pending", "in_ms": in_ms})


@http.route("/reminders/{id}", methods=["DELETE"])
async def cancel(req: http.Request) -> http.Response:
    rid = req.path_params["id"]
    if not timer.cancel("reminder-" + rid):
        return _json(404, {"error": f"no pending reminder {rid}"})
    await cache.store("reminders", rid, "cancelled")
    return http.Response(status=204)


@http.route("/reminders/{id}")
async def show(req: http.Request) -> http.Response:
    rid = req.path_params["id"]
    state = await cache.fetch("reminders", rid)
    if state is None:
        return _json(404, {"error": f"no reminder {rid}"})
    return _json(200, {"id": rid, "state": state})


@http.route("/jobs")
async def jobs(req: http.Request) -> http.Response:
    return _json(200, {"heartbeats": await cache.fetch("jobs", "heartbeats", 0), "armed": timer.active_count})
