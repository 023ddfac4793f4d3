# The hello and orders routes of the Script API page, served by `make run`:
#   curl http://127.0.0.1:8080/hello/world
#   curl http://127.0.0.1:8080/orders/42
#   curl -X DELETE -i http://127.0.0.1:8080/orders/42
from siphon import http, log


@http.route("/hello/{name}")
def hello(req: http.Request) -> http.Response:
    return http.Response(body=f"hi {req.path_params['name']}")


@http.route("/orders/{id}", methods=["GET", "DELETE"])
async def order(req: http.Request) -> http.Response:
    oid = req.path_params["id"]
    if req.method == "DELETE":
        log.info(f"order {oid} deleted")
        return http.Response(status=204)
    return http.Response(
        status=200,
        headers={"Content-Type": "application/json"},
        body=f'{{"id": "{oid}"}}'.encode(),
    )
