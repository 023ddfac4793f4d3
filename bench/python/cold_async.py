# The async script of bench/cold-path.py: what users write (the Script API page's style).
#   GET  /hello/{name}   -> "hi <name>"
#   POST /echo-json      -> the JSON body parsed with json.loads, a field added, json.dumps
#   GET  /proxy/{*rest}  -> forwarded to the "upstream" client of cold.yaml, its body relayed
import json

from siphon import http

upstream = http.Client("upstream")


@http.route("/hello/{name}")
async def hello(req):
    return http.Response(body="hi " + req.path_params["name"])


@http.route("/echo-json", methods=["POST"])
async def echo_json(req):
    doc = json.loads(req.body())
    doc["echoed"] = True
    return http.Response(headers={"content-type": "application/json"}, body=json.dumps(doc))


@http.route("/proxy/{*rest}")
async def proxy(req):
    r = await upstream.get("/" + req.path_params["rest"])
    return http.Response(status=r.status, headers={"content-type": r.headers.get("content-type", "text/plain")},
                         body=r.body)
