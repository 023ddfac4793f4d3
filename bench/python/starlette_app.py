"""The uvicorn + Starlette peer of bench/py-e2e.sh: the same two routes as siphon_app.py.

    GET  /hello/{name}  -> "hi <name>" (text/plain)
    POST /echo-json     -> the JSON body parsed with json.loads, a field added, json.dumps

Run by the script as ``uvicorn starlette_app:app`` (Debian's python3-uvicorn and
python3-starlette; uvloop and httptools when installed).
"""
import json

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


async def hello(request):
    return PlainTextResponse("hi " + request.path_params["name"])


async def echo_json(request):
    doc = json.loads(await request.body())
    doc["echoed"] = True
    return Response(json.dumps(doc), media_type="application/json")


app = Starlette(routes=[
    Route("/hello/{name}", hello),
    Route("/echo-json", echo_json, methods=["POST"]),
])
