# The plain-function script of bench/cold-path.py: the same routes as cold_async.py, written
# with `def` (served inline, without an asyncio task), for comparison with what users write.
import json

from siphon import http


@http.route("/hello/{name}")
def hello(req):
    return http.Response(body="hi " + req.path_params["name"])


@http.route("/echo-json", methods=["POST"])
def echo_json(req):
    doc = json.loads(req.body())
    doc["echoed"] = True
    return http.Response(headers={"content-type": "application/json"}, body=json.dumps(doc))
