# The script behind LeastLoadedDispatchTest: two workers, one of them held by a blocking handler.
from siphon import http
import time


@http.route("/block/{ms}")
def block(req):
    time.sleep(int(req.path_params["ms"]) / 1000)  # holds this worker: nothing else runs on it meanwhile
    return http.Response(body="blocked")


@http.route("/fast")
def fast(req):
    return http.Response(body="fast")


@http.route("/spin")
def spin(req):
    while True:
        pass
