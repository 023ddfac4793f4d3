# bench/python/cold_async.py's hello and JSON echo behind three (req, call_next) middlewares, each
# adding a header to the response: what the chain costs (issue 17's target: at most 15 % of the
# hello route's throughput). bench/py-e2e.sh serves it as the server "siphon-mw3".
import json

from siphon import http


@http.middleware
async def first(req, call_next):
    resp = await call_next(req)
    resp.headers["x-first"] = "1"
    return resp


@http.middleware
async def second(req, call_next):
    resp = await call_next(req)
    resp.headers["x-second"] = "1"
    return resp


@http.middleware
async def third(req, call_next):
    resp = await call_next(req)
    resp.headers["x-third"] = "1"
    return resp


@http.route("/hello/{name}")
async def hello(req):
    return http.Response(body="hi " + req.path_params["name"])


@http.route("/echo-json", methods=["POST"])
async def echo_json(req):
    doc = json.loads(req.body())
    doc["echoed"] = True
    return http.Response(headers={"content-type": "application/json"}, body=json.dumps(doc))
