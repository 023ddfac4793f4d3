# The script of AddonNamespaceTest: it uses siphon.echo, a namespace the Java host adds
# (PythonServer.builder(...).namespace("echo", ...)), from routes and from a timer job.
from siphon import http, echo, timer


@timer.every(seconds=0.1, name="echo-tick")
async def tick():
    # once per process, on the worker that owns the job: the host's future awaited there too
    echo.record(await echo.shout("tick"))


@http.route("/upper/{text}")
def upper(req):
    # a plain method: its value at once
    return http.Response(body=echo.upper(req.path_params["text"]))


# a method that returns a CompletableFuture: awaited on the worker's loop (docs/embedding.md shows this route)
@http.route("/shout/{text}")
async def shout(req):
    return http.Response(body=await echo.shout(req.path_params["text"]))


@http.route("/early/{text}")
async def early(req):
    # the future is taken now and awaited after another await: its result is kept meanwhile
    pending = echo.shout(req.path_params["text"])
    first = await echo.shout("first")
    return http.Response(body=first + " " + await pending)


@http.route("/fail")
async def fail(req):
    try:
        await echo.fail("the host said no")
    except RuntimeError as e:
        return http.Response(status=502, body=str(e))
    return http.Response(body="no error?")


@http.route("/missing/{name}")
def missing(req):
    # a method the host does not have, or does not export
    try:
        getattr(echo, req.path_params["name"])()
    except AttributeError as e:
        return http.Response(status=404, body=str(e))
    return http.Response(body="found?")


@http.route("/calls")
def calls(req):
    return http.Response(body=str(echo.calls()))
