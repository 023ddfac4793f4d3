# The script behind OneWorkerTest: one worker, short request timeout, small queue.
from siphon import http, cache
import asyncio
import time


@http.route("/sleep/{ms}")
async def sleep(req):
    try:
        await asyncio.sleep(int(req.path_params["ms"]) / 1000)
    except asyncio.CancelledError:
        await cache.store("one", "cancelled", req.path_params["ms"])
        raise
    return http.Response(body="slept " + req.path_params["ms"])


@http.route("/fast")
def fast(req):
    return http.Response(body="fast")


@http.route("/cancelled")
async def cancelled(req):
    return http.Response(body=str(await cache.fetch("one", "cancelled", default="no")))


@http.route("/spin")
def spin(req):
    while True:
        pass


@http.route("/block/{ms}")
def block(req):
    time.sleep(int(req.path_params["ms"]) / 1000)  # blocks the worker: nothing else runs meanwhile
    return http.Response(body="blocked")
