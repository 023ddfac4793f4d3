"""A reverse proxy: every request is forwarded to the ``upstream`` client of proxy.yaml.

    bin/siphon-http --config examples/proxy.yaml --script examples/proxy.py

The method, the path and query as received, the body and the end-to-end headers go
upstream (with X-Forwarded-For/-Proto/-Host added); the status, the body and the
representation headers (Content-Type and friends) come back. An upstream that cannot be
reached answers 502, one that does not answer in time 504.
"""
from siphon import http, log

upstream = http.Client("upstream")

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# RFC 9110 §7.6.1: connection-specific fields belong to one hop and are not forwarded;
# Host and Content-Length are the outbound client's to set.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
              "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length"}

# what comes back from the upstream besides status and body
RELAYED = ("content-type", "content-encoding", "content-language", "content-disposition", "cache-control",
           "etag", "last-modified", "expires", "location", "vary", "retry-after")


@http.route("/", methods=METHODS)
@http.route("/{*rest}", methods=METHODS)
async def proxy(req):
    # exactly one leading "/": "//host/x" would otherwise be a network-path reference (RFC 3986
    # §4.2) and name another host
    target = "/" + req.path.lstrip("/")
    if req.query_string:
        target += "?" + req.query_string

    headers = {}
    dropped = HOP_BY_HOP | {n.strip().lower() for n in req.headers.get("connection", "").split(",")}
    for name, value in req.headers.items():
        if name not in dropped and not name.startswith(":"):
            headers[name] = value
    client_ip = req.client.rsplit(":", 1)[0].strip("[]")
    forwarded = req.headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {client_ip}" if forwarded else client_ip
    headers["x-forwarded-proto"] = req.scheme
    if "host" in req.headers:
        headers["x-forwarded-host"] = req.headers["host"]

    body = req.body() if req.method not in ("GET", "HEAD") else None
    try:
        r = await upstream.request(req.method, target, body=body, headers=headers)
    except http.TimeoutError as e:
        log.warn(f"proxy {req.method} {target}: upstream timed out: {e}")
        return http.Response(status=504, body=b"upstream timed out\n")
    except http.ClientError as e:
        log.warn(f"proxy {req.method} {target}: {type(e).__name__}: {e}")
        return http.Response(status=502, body=b"upstream unavailable\n")

    out = {name: r.headers[name] for name in RELAYED if name in r.headers}
    return http.Response(status=r.status, headers=out, body=r.body)
