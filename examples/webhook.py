# A token-guarded webhook receiver (docs/cookbook.md, "Webhook receiver").
#
#   WEBHOOK_TOKEN=s3cr3t bin/siphon-http --config examples/http.yaml --script examples/webhook.py
#   curl -i -X POST -H 'Authorization: Bearer s3cr3t' -H 'Content-Type: application/json' \
#        --data '{"event": "push", "ref": "main"}' http://127.0.0.1:8080/webhooks/github
#   curl -i -H 'Authorization: Bearer s3cr3t' http://127.0.0.1:8080/webhooks/github
#
# Every route sits behind the middleware: without "Authorization: Bearer <token>" the answer
# is 401. Events are kept in `cache`, which every worker context shares, so the counts are
# right whichever worker takes a request.
import json
import os

from siphon import cache, http, log

TOKEN = os.environ.get("WEBHOOK_TOKEN", "s3cr3t")
KEEP_SECONDS = 3600  # how long a received event is kept


def _json(status: int, doc: object, headers: dict[str, str] | None = None) -> http.Response:
    h = {"Content-Type": "application/json"}
    if headers:
        h.update(headers)
    return http.Response(status=status, headers=h, body=json.dumps(doc))


@http.middleware
def require_token(req: http.Request) -> http.Response | None:
    if req.header("authorization") != f"Bearer {TOKEN}":
        return _json(401, {"error": "missing or wrong bearer token"}, {"WWW-Authenticate": "Bearer"})
    return None


@http.route("/webhooks/{source}", methods=["POST"])
async def receive(req: http.Request) -> http.Response:
    source = req.path_params["source"]
    try:
        event = json.loads(req.body())
    except ValueError as e:  # json.JSONDecodeError and bad UTF-8 alike
        return _json(400, {"error": f"the body is not JSON: {e}"})
    if not isinstance(event, dict):
        return _json(400, {"error": "the body must be a JSON object"})
    n = await cache.incr("webhook-counts", source)
    await cache.store("webhook-events", f"{source}/{n:08d}", json.dumps(event), ttl=KEEP_SECONDS)
    log.info(f"webhook {source} #{n}: {event.get('event', '?')}")
    return _json(202, {"accepted": True, "source": source, "seq": n})


@http.route("/webhooks/{source}", methods=["GET"])
async def summary(req: http.Request) -> http.Response:
    source = req.path_params["source"]
    received = await cache.fetch("webhook-counts", source, 0)
    last = None
    kept = await cache.keys("webhook-events", f"{source}/")
    if kept:
        last = json.loads(await cache.fetch("webhook-events", kept[-1]))
    return _json(200, {"source": source, "received": received, "last": last})
