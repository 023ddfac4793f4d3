# A script written for the original (Rust) siphon-http, unchanged (docs/cookbook.md,
# "A script from the original"): `from siphon import http, log`, and GET and POST on one path
# handled by two functions.
#
#   bin/siphon-http --config examples/http.yaml --script examples/original.py
#   curl -i 'http://127.0.0.1:8080/webhook?hub.challenge=abc123'
#   curl -i -X POST --data 'ping' http://127.0.0.1:8080/webhook
from siphon import http, log


@http.route("/webhook", methods=["GET"])
async def verify(req):
    # subscription check: echo the challenge back
    challenge = req.query_params.get("hub.challenge", "")
    return http.Response(status=200, body=challenge)


@http.route("/webhook", methods=["POST"])
async def deliver(req):
    body = req.body()
    log.info(f"webhook delivery of {len(body)} bytes from {req.client}")
    return http.Response(status=202, headers={"Content-Type": "text/plain"}, body=b"accepted " + body)
