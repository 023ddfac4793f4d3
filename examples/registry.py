# A registry of entries with server-made ids (docs/cookbook.md, "Registry").
#
#   bin/siphon-http --config examples/http.yaml --script examples/registry.py
#   curl -i -X POST --data '{"kind": "trunk", "uri": "sip:gw1.example.com"}' http://127.0.0.1:8080/registrations
#   curl -i http://127.0.0.1:8080/registrations/1
#   curl -i 'http://127.0.0.1:8080/registrations?kind=trunk&limit=10'
#   curl -i -X DELETE http://127.0.0.1:8080/registrations/1
#
# Ids come from `cache.incr`, an atomic counter shared by every worker context, so two
# workers never hand out the same id; the entries live in `cache` too.
import json

from siphon import cache, http

MAX_LIMIT = 1000


def _json(status: int, doc: object, headers: dict[str, str] | None = None) -> http.Response:
    h = {"Content-Type": "application/json"}
    if headers:
        h.update(headers)
    return http.Response(status=status, headers=h, body=json.dumps(doc))


def _error(status: int, message: str) -> http.Response:
    return _json(status, {"error": message})


@http.route("/registrations", methods=["POST"])
async def create(req: http.Request) -> http.Response:
    try:
        doc = json.loads(req.body())
    except ValueError as e:
        return _error(400, f"the body is not JSON: {e}")
    if not isinstance(doc, dict) or not isinstance(doc.get("kind"), str) or not doc["kind"]:
        return _error(400, 'a registration is a JSON object with a non-empty string "kind"')
    reg_id = str(await cache.incr("registry-meta", "next-id"))
    entry = dict(doc, id=reg_id)
    await cache.store("registrations", reg_id, json.dumps(entry))
    return _json(201, entry, {"Location": f"/registrations/{reg_id}"})


@http.route("/registrations")
async def search(req: http.Request) -> http.Response:
    kind = req.query_params.get("kind")
    try:
        limit = int(req.query_params.get("limit", "100"))
    except ValueError:
        return _error(400, "limit must be an integer")
    if not 1 <= limit <= MAX_LIMIT:
        return _error(400, f"limit must be between 1 and {MAX_LIMIT}")
    found = []
    for reg_id in sorted(await cache.keys("registrations"), key=int):
        text = await cache.fetch("registrations", reg_id)
        if text is None:
            continue  # deleted since keys() listed it
        entry = json.loads(text)
        if kind is None or entry["kind"] == kind:
            found.append(entry)
            if len(found) == limit:
                break
    return _json(200, {"registrations": found})


@http.route("/registrations/{id}", methods=["GET", "DELETE"])
async def one(req: http.Request) -> http.Response:
    reg_id = req.path_params["id"]
    if req.method == "DELETE":
        if not await cache.exists("registrations", reg_id):
            return _error(404, f"no registration {reg_id}")
        await cache.delete("registrations", reg_id)
        return http.Response(status=204)
    text = await cache.fetch("registrations", reg_id)
    if text is None:
        return _error(404, f"no registration {reg_id}")
    return _json(200, json.loads(text))
