# The script of the soak test (bench/soak.py): `async def` handlers, as users write them.
#   GET  /hello/{name}   -> "hi <name>"
#   POST /echo-json      -> the JSON body parsed with json.loads, a field added, json.dumps
#   GET  /sleep/{ms}     -> "slept <ms>" after asyncio.sleep (at most 1000 ms): a request that waits
#   GET  /blob/{kib}     -> <kib> KiB of 'x' (at most 1024): a body the zero-window clients never take
import asyncio
import json

from siphon import http

BLOBS = {}


@http.route("/hello/{name}")
async def hello(req):
    return http.Response(body="hi " + req.path_params["name"])


@http.route("/echo-json", methods=["POST"])
async def echo_json(req):
    doc = json.loads(req.body())
    doc["echoed"] = True
    return http.Response(headers={"content-type": "application/json"}, body=json.dumps(doc))


@http.route("/sleep/{ms}")
async def sleep(req):
    ms = min(int(req.path_params["ms"]), 1000)
    await asyncio.sleep(ms / 1000)
    return http.Response(body="slept %d" % ms)


@http.route("/blob/{kib}")
async def blob(req):
    kib = min(int(req.path_params["kib"]), 1024)
    body = BLOBS.get(kib)
    if body is None:
        body = BLOBS[kib] = b"x" * (kib * 1024)
    return http.Response(headers={"content-type": "application/octet-stream"}, body=body)
