"""A reverse proxy: every request is forwarded to the ``upstream`` client of proxy.yaml.

    bin/siphon-http --config examples/proxy.yaml --script examples/proxy.py

The method, the path and query as received, the body and the end-to-end headers go
upstream (with X-Forwarded-For/-Proto/-Host set); the status, the body and the
representation headers (Content-Type and friends) come back. An upstream that cannot be
reached answers 502, one that does not answer in time 504.

Bodies stream through both ways: the route takes its body as it arrives (``stream=True``) and
sends it upstream as it comes, and the upstream's answer goes back to the client while it is
still arriving (``stream=True`` on the call, an ``http.StreamingResponse`` back), each read only
as fast as the other side takes it. A gigabyte upload or download holds a few hundred KiB here.

X-Forwarded-For is replaced, not appended to: the upstream gets the one address this proxy
could verify, the address of ``req.client``. That is the socket peer; or, when the peer is in
the listener's ``trusted_proxies`` (a load balancer in front), the client the engine read from
the load balancer's X-Forwarded-For, right to left past the trusted hops. Whatever a client
wrote into X-Forwarded-For itself never goes upstream, so an upstream that trusts this proxy
cannot be handed a forged address.
"""
from siphon import http, log

upstream = http.Client("upstream")

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# RFC 9110 §7.6.1: connection-specific fields belong to one hop and are not forwarded; Host is
# the outbound client's to set. A Content-Length goes on: the streamed body is exactly that long.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
              "te", "trailer", "transfer-encoding", "upgrade", "host"}

# what comes back from the upstream besides status and body (a content-length too: the body is
# relayed as it comes, and exactly that long)
RELAYED = ("content-type", "content-length", "content-encoding", "content-language", "content-disposition",
           "cache-control", "etag", "last-modified", "expires", "location", "vary", "retry-after")


def client_address(client: str) -> str:
    """The address of ``req.client`` without its port: "ip:port" and "[v6]:port" lose the port;
    a client read from X-Forwarded-For has none ("203.0.113.7", "2001:db8::7")."""
    if client.startswith("["):
        return client[1:client.index("]")]
    if client.count(":") == 1:
        return client.split(":", 1)[0]
    return client


@http.route("/", methods=METHODS, stream=True)
@http.route("/{*rest}", methods=METHODS, stream=True)
async def proxy(req: http.Request) -> http.Response:
    # exactly one leading "/": the path is appended to the upstream's base_url as it is written
    target = "/" + req.path.lstrip("/")
    if req.query_string:
        target += "?" + req.query_string

    headers = {}
    dropped = HOP_BY_HOP | {n.strip().lower() for n in req.headers.get("connection", "").split(",")}
    for name, value in req.headers.items():
        if name not in dropped and not name.startswith(":"):
            headers[name] = value
    # replaced, never appended to: what the client wrote there is not forwarded (see above)
    headers["x-forwarded-for"] = client_address(req.client)
    headers["x-forwarded-proto"] = req.scheme
    if "host" in req.headers:
        headers["x-forwarded-host"] = req.headers["host"]

    body = req.stream() if req.method not in ("GET", "HEAD") else None
    try:
        r = await upstream.request(req.method, target, body=body, headers=headers, stream=True)
    except http.TimeoutError as e:
        log.warn(f"proxy {req.method} {target}: upstream timed out: {e}")
        return http.Response(status=504, body=b"upstream timed out\n")
    except http.ClientError as e:
        log.warn(f"proxy {req.method} {target}: {type(e).__name__}: {e}")
        return http.Response(status=502, body=b"upstream unavailable\n")

    out = {name: r.headers[name] for name in RELAYED if name in r.headers}
    return http.StreamingResponse(r.stream(), status=r.status, headers=out)
