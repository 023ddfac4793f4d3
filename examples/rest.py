# A small REST resource (docs/cookbook.md, "REST resource").
#
#   bin/siphon-http --config examples/http.yaml --script examples/rest.py
#   curl -i -X PUT --data '{"name": "apple", "qty": 3}' http://127.0.0.1:8080/items/apple
#   curl -i http://127.0.0.1:8080/items/apple
#   curl -i 'http://127.0.0.1:8080/items?prefix=ap&limit=10'
#   curl -i -X DELETE http://127.0.0.1:8080/items/apple
#
# Items are JSON objects kept in `cache` (table "items"), which every worker context shares:
# module globals would be per worker, and a GET could miss a PUT that another worker took.
import json

from siphon import cache, http

MAX_LIMIT = 1000


def _json(status: int, doc: object) -> http.Response:
    return http.Response(status=status, headers={"Content-Type": "application/json"}, body=json.dumps(doc))


def _error(status: int, message: str) -> http.Response:
    return _json(status, {"error": message})


@http.route("/items/{id}", methods=["PUT"])
async def put_item(req: http.Request) -> http.Response:
    item_id = req.path_params["id"]
    try:
        doc = json.loads(req.body())
    except ValueError as e:
        return _error(400, f"the body is not JSON: {e}")
    if not isinstance(doc, dict):
        return _error(400, "an item is a JSON object")
    existed = await cache.exists("items", item_id)
    await cache.store("items", item_id, json.dumps(doc))
    return _json(200 if existed else 201, {"id": item_id, "item": doc})


@http.route("/items/{id}", methods=["GET", "DELETE"])
async def item(req: http.Request) -> http.Response:
    item_id = req.path_params["id"]
    if req.method == "DELETE":
        if not await cache.exists("items", item_id):
            return _error(404, f"no item {item_id}")
        await cache.delete("items", item_id)
        return http.Response(status=204)
    text = await cache.fetch("items", item_id)
    if text is None:
        return _error(404, f"no item {item_id}")
    return _json(200, {"id": item_id, "item": json.loads(text)})


@http.route("/items")
async def list_items(req: http.Request) -> http.Response:
    prefix = req.query_params.get("prefix", "")
    try:
        limit = int(req.query_params.get("limit", "100"))
    except ValueError:
        return _error(400, "limit must be an integer")
    if not 1 <= limit <= MAX_LIMIT:
        return _error(400, f"limit must be between 1 and {MAX_LIMIT}")
    ids = await cache.keys("items", prefix)
    items = []
    for item_id in ids[:limit]:
        text = await cache.fetch("items", item_id)
        if text is not None:  # deleted since keys() listed it
            items.append({"id": item_id, "item": json.loads(text)})
    return _json(200, {"items": items, "total": len(ids)})
