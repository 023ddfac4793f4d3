# The script behind PythonHttpsClientTest: http.Client over https:// (custom CA, mutual TLS), one worker.
from siphon import http


def _client(q):
    kw = {"timeout_ms": 10000}
    if "verify" in q:
        kw["verify"] = q["verify"]
    if "key" in q:
        kw["cert"] = (q["cert"], q["key"])
    elif "cert" in q:
        kw["cert"] = q["cert"]
    return http.Client(**kw)


async def _get(c, url):
    try:
        r = await c.get(url)
    except http.ClientError as e:
        # the type as the handler sees it: TLSError must be caught as a ClientError too
        return http.Response(body=f"{type(e).__name__}|{isinstance(e, http.TLSError)}|{e}")
    return http.Response(body=f"{r.status} {r.body.decode('utf-8')}")


@http.route("/inline")
async def inline(req):
    """GET ?url= with an inline client made of ?verify=, ?cert= and ?key=."""
    q = req.query_params
    try:
        c = _client(q)
    except ValueError as e:
        return http.Response(body=f"ValueError|{e}")
    return await _get(c, q["url"])


@http.route("/named/{name}")
async def named(req):
    return await _get(http.Client(req.path_params["name"]), "/whoami")
