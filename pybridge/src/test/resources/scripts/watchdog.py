# The script behind WatchdogTest: one worker, a short request timeout, handlers that never
# give the worker back, and a record of which requests ran.
from siphon import http
import asyncio
import time

ran = []  # one worker: every request that reached a handler below, in order


@http.route("/fast")
def fast(req):
    return http.Response(body="fast")


@http.route("/spin")
def spin(req):
    while True:
        pass


@http.route("/spin-async")
async def spin_async(req):
    # asyncio.timeout asks for the request's task in its first step; its deadline (1.5 s) lies
    # past the interrupt (request_timeout_ms 1000 + the grace), so it comes due for a task cut off
    async with asyncio.timeout(1.5):
        while True:
            pass


@http.route("/spin-after-await")
async def spin_after_await(req):
    await asyncio.sleep(0.01)  # the rest runs as a task step of the worker's loop
    while True:
        pass


@http.route("/spin-when-cancelled")
async def spin_when_cancelled(req):
    try:
        await asyncio.sleep(30)
    except asyncio.CancelledError:
        while True:  # a cancellation handler that never ends: Python took the cancel, and goes on
            pass


@http.route("/spawn-spin")
async def spawn_spin(req):
    asyncio.get_running_loop().create_task(_spin_forever())
    return http.Response(body="spawned")


async def _spin_forever():
    while True:
        pass


@http.route("/block/{ms}")
def block(req):
    time.sleep(int(req.path_params["ms"]) / 1000)
    return http.Response(body="blocked")


@http.route("/record/{n}")
def record(req):
    ran.append(req.path_params["n"])
    return http.Response(body="recorded")


@http.route("/ran")
def ran_so_far(req):
    return http.Response(body=",".join(ran))


@http.route("/asyncio")
async def uses_asyncio(req):
    task = asyncio.current_task()
    await asyncio.gather(asyncio.sleep(0.01), asyncio.sleep(0.02))
    async with asyncio.timeout(5):
        await asyncio.sleep(0)
    return http.Response(body="ok" if task is asyncio.current_task() and task is not None else "wrong task")
