# Handlers that answer with statuses a response must not have (ResponseStatusScriptTest).
from siphon import http


@http.route("/early-hints")
def early_hints(req):
    return http.Response(status=103, headers={"link": "</style.css>; rel=preload"})


@http.route("/set-later")
def set_later(req):
    r = http.Response(body="fine so far")
    r.status = 101  # after the constructor checked it
    return r


@http.route("/beyond")
async def beyond(req):
    r = http.Response()
    r.status = 600
    return r


@http.route("/constructor")
def constructor(req):
    try:
        http.Response(status=int(req.query_params["status"]))
    except ValueError as e:
        return http.Response(body=str(e))
    return http.Response(body="accepted")


@http.route("/hello/{name}")
def hello(req):
    return http.Response(body="hello " + req.path_params["name"])
