# The siphon script of bench/py-e2e.sh: the same two routes as starlette_app.py.
#   GET  /hello/{name}  -> "hi <name>"
#   POST /echo-json     -> the JSON body parsed with json.loads, a field added, json.dumps
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
