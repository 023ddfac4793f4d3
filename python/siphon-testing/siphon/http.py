"""The ``http`` namespace of siphon-http scripts: decorators, Request, Response, Client.

CPython stand-in (siphon-http-testing, docs/testing.md): the same public API as the module
siphon-http runs in GraalPy (docs/python.md), checked by check_parity.py. Registrations are
recorded here and served by ``siphon_testing.HttpTestHarness``, which also answers every
``http.Client`` call (canned responses, or the real network with ``pass_through``).
"""

import builtins as _builtins
import os as _os

__all__ = ["route", "middleware", "on_startup", "on_shutdown", "Request", "Response", "StreamingResponse", "Client",
           "StreamError",
           "ClientError", "ConnectError", "ConnectTimeoutError", "TimeoutError", "PoolTimeoutError",
           "PoolExhaustedError", "TLSError", "ProtocolError", "ConnectionClosedError", "ResponseTooLargeError",
           "OriginNotAllowedError", "TooManyRedirectsError", "HTTPStatusError", "HTTPError"]

# (pattern, methods, function) in registration order; read by siphon_testing.
_routes = []
# route index -> max_body_bytes (-2: none) of the routes registered with stream=True
_stream_routes = {}
_UNLIMITED = -2
_middleware = []
_unmatched = []  # the middleware that also runs for requests no route matches, in order
_startup = []
_shutdown = []
_clients_made = False
# the harness's outbound call: async (client, method, path, headers dict, body bytes|None, upload
# (async) iterator|None, stream bool) -> Response
_client_call = None
# the harness's named clients: {name: {setting: value}}, or None for "any name is a client"
_named_clients = {}


def _reset():
    """Forgets every registration (siphon_testing calls it for each new harness)."""
    global _clients_made
    del _routes[:], _middleware[:], _unmatched[:], _startup[:], _shutdown[:]
    _stream_routes.clear()
    _clients_made = False


def route(path, methods=None, *, stream=False, max_body_bytes=None):
    """Registers the decorated function for ``path`` and ``methods`` (default ["GET"]).

    ``stream=True``: the handler reads the body as it comes, ``async for chunk in req.stream()``;
    such a route accepts bodies up to ``max_body_bytes`` (default: no cap) instead of the
    listener's ``max_body_bytes`` (413 past it).
    """
    if not isinstance(stream, bool):
        raise TypeError(f"http.route({path!r}): stream must be True or False, not {stream!r}")
    if max_body_bytes is not None:
        if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes < 0:
            raise TypeError(f"http.route({path!r}): max_body_bytes must be an int >= 0 or None, not {max_body_bytes!r}")
        if not stream:
            raise ValueError(f"http.route({path!r}): max_body_bytes= is for stream=True routes; the others "
                             "take the listener's max_body_bytes (http.yaml)")
    if not isinstance(path, str):
        raise TypeError(f"http.route: path must be a str, not {type(path).__name__}")
    if methods is None:
        ms = ["GET"]
    else:
        if isinstance(methods, str):
            raise TypeError(f'http.route({path!r}): methods must be a list such as ["GET"], not a str')
        ms = []
        for m in methods:
            if not isinstance(m, str) or not m:
                raise TypeError(f"http.route({path!r}): every method must be a non-empty str, got {m!r}")
            ms.append(m.upper())
        if not ms:
            raise ValueError(f"http.route({path!r}): methods is empty")

    def register(fn):
        if not callable(fn):
            raise TypeError(f"http.route({path!r}) decorates a function, not {type(fn).__name__}")
        if stream:
            _stream_routes[len(_routes)] = _UNLIMITED if max_body_bytes is None else max_body_bytes
        _routes.append((path, ms, fn))
        return fn

    return register


def middleware(fn=None, *, unmatched=False):
    """Registers a middleware; they run in registration order, before the route's handler.

    ``(req)``: a guard. It returns a Response to answer at once, or None to go on.
    ``(req, call_next)``: it wraps what comes after it. ``resp = await call_next(req)`` runs the
    rest of the middleware and the handler and gives their Response, which the middleware may
    change (``resp.headers[...] = ...``) or replace; it returns the Response to send.

    ``@http.middleware(unmatched=True)`` also runs it for requests that match no route, which
    the engine otherwise answers itself (404, or 405 with ``allow``): there only such middleware
    runs, in registration order, and ``call_next`` ends at that answer.
    """
    if fn is None:
        if not isinstance(unmatched, bool):
            raise TypeError(f"http.middleware: unmatched must be a bool, not {type(unmatched).__name__}")
        return lambda f: _register_middleware(f, unmatched)
    return _register_middleware(fn, unmatched)


def _register_middleware(fn, unmatched):
    if not callable(fn):
        raise TypeError(f"http.middleware decorates a function, not {type(fn).__name__}")
    _wraps(fn)
    _middleware.append(fn)
    if unmatched:
        _unmatched.append(fn)
    return fn


def _wraps(fn):
    """True for a ``(req, call_next)`` middleware, False for a ``(req)`` guard; TypeError otherwise."""
    code = getattr(fn, "__code__", None)
    if code is not None and not hasattr(fn, "__wrapped__"):
        n = code.co_argcount - len(getattr(fn, "__defaults__", None) or ())
        if hasattr(fn, "__self__"):  # a bound method: self is given
            n -= 1
        varargs = bool(code.co_flags & 0x04)
    else:
        import inspect
        try:
            ps = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            return False
        n = sum(1 for p in ps if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty)
        varargs = any(p.kind == p.VAR_POSITIONAL for p in ps)
    if n == 2:
        return True
    if n == 1 or (varargs and n < 2):
        return False
    name = getattr(fn, "__qualname__", repr(fn))
    raise TypeError(f"http.middleware: {name} takes {n} parameters; a middleware takes (req), a guard, "
                    "or (req, call_next), one that wraps the rest of the chain")


def on_startup(fn):
    """Registers a hook run once per worker, to completion, before any listener accepts."""
    if not callable(fn):
        raise TypeError(f"http.on_startup decorates a function, not {type(fn).__name__}")
    _startup.append(fn)
    return fn


def on_shutdown(fn):
    """Registers a hook run once per worker on graceful shutdown, after requests in flight finished."""
    if not callable(fn):
        raise TypeError(f"http.on_shutdown decorates a function, not {type(fn).__name__}")
    _shutdown.append(fn)
    return fn


class ClientError(RuntimeError):
    """An outbound ``http.Client`` request failed; the base of every error below (a ``RuntimeError``)."""


class ConnectError(ClientError):
    """The connection could not be opened: refused, unknown host, unreachable network, or a proxy
    that would not open the tunnel to an https:// origin."""


class TimeoutError(ClientError, _builtins.TimeoutError):
    """No complete response within the client's ``timeout_ms`` (also a builtin TimeoutError)."""


class ConnectTimeoutError(ConnectError, TimeoutError):
    """The TCP connection did not open in time (both a ConnectError and a TimeoutError)."""


class PoolTimeoutError(TimeoutError):
    """Every pooled connection to the origin stayed busy for the whole wait."""


class PoolExhaustedError(ClientError):
    """Every pooled connection to the origin was busy and its wait queue was full."""


class TLSError(ClientError):
    """The TLS handshake with the origin failed, or https cannot be used."""


class ProtocolError(ClientError):
    """The origin's response broke HTTP/1.1 or HTTP/2 framing."""


class ConnectionClosedError(ClientError):
    """The connection ended (or the HTTP/2 stream was reset) before the response was complete."""


class ResponseTooLargeError(ClientError):
    """The response head or body passed the client's cap (``max_response_bytes`` for the body)."""


class OriginNotAllowedError(ClientError):
    """The URL names another origin than the client's ``base_url``; nothing was sent."""


class TooManyRedirectsError(ClientError):
    """The request was redirected more than 10 times in a row (a loop, or a longer chain)."""


class StreamError(RuntimeError):
    """A streamed body could not go on: ``req.stream()`` when the request body stopped short (the
    client stalled past request_timeout_ms: ``status`` 408; longer than the route's
    max_body_bytes: 413; the client went away: 0), or a StreamingResponse whose client left."""

    def __init__(self, message, status=0):
        super().__init__(message)
        self.status = status


class HTTPStatusError(ClientError):
    """Raised by ``Response.raise_for_status()`` for a 4xx or 5xx status; ``.response``, ``.status``."""

    def __init__(self, response):
        self.response = response
        self.status = response.status
        kind = "client error" if response.status < 500 else "server error"
        super().__init__(f"HTTP status {response.status} ({kind})")


HTTPError = HTTPStatusError  # the name of earlier builds

# how an outbound call failed, as the engine names it -> the Python error raised (the runtime's table)
_ERROR_KINDS = {
    "connect_refused": ConnectError,
    "connect_failed": ConnectError,
    "proxy_connect": ConnectError,
    "connect_timeout": ConnectTimeoutError,
    "request_timeout": TimeoutError,
    "pool_timeout": PoolTimeoutError,
    "pool_exhausted": PoolExhaustedError,
    "tls": TLSError,
    "malformed_response": ProtocolError,
    "connection_closed": ConnectionClosedError,
    "response_too_large": ResponseTooLargeError,
    "origin_not_allowed": OriginNotAllowedError,
    "too_many_redirects": TooManyRedirectsError,
    "request_body": ClientError,  # a streamed request body's iterator raised
    "client_error": ClientError,
}


class Response:
    """A response: ``Response(status=200, headers=None, body=None)``; body is bytes or str (UTF-8)."""

    __slots__ = ("status", "headers", "_body", "_stream")

    def __init__(self, status=200, headers=None, body=None):
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"Response status must be an int, not {type(status).__name__}")
        if status < 200 or status > 599:
            raise ValueError(f"Response status must be from 200 to 599 (a final status), was {status}")
        self.status = status
        self.headers = {} if headers is None else headers
        self._stream = None
        self.body = body

    @property
    def body(self):
        b = self._body
        if b is None:
            raise RuntimeError("this response's body is a stream (http.Client(...).get(..., stream=True)): "
                               "read it with `async for chunk in resp.stream()` or `await resp.read()`")
        return b

    @body.setter
    def body(self, body):
        if body is None:
            self._body = b""
        elif isinstance(body, bytes):
            self._body = body
        elif isinstance(body, str):
            self._body = body.encode("utf-8")
        elif isinstance(body, (bytearray, memoryview)):
            self._body = bytes(body)
        else:
            raise TypeError(f"Response body must be bytes or str, not {type(body).__name__}")

    @classmethod
    def _received(cls, status, headers, body):
        """A response as the engine or an outbound call delivers it (no status check: 1xx never comes)."""
        r = cls.__new__(cls)
        r.status = status
        r.headers = headers
        r._body = body
        r._stream = None
        return r

    @classmethod
    def _received_stream(cls, status, headers, chunks):
        """The response of an outbound call with ``stream=True``: its body is the async iterator ``chunks``."""
        r = cls.__new__(cls)
        r.status = status
        r.headers = headers
        r._body = None
        r._stream = chunks
        return r

    def stream(self):
        """The body in chunks: ``async for chunk in resp.stream()``. For a response of
        ``http.Client(...).get(..., stream=True)`` the chunks come as the origin sends them; for any
        other response, the whole body as one chunk."""
        st = self._stream
        if st is None:
            return _whole_chunks(self.body)
        self._stream = _READ
        if st is _READ:
            raise RuntimeError("resp.stream() can be read once")
        return st

    async def read(self):
        """The whole body as bytes; for a ``stream=True`` response, read to its end first."""
        if self._body is None:
            parts = [c async for c in self.stream()]
            self._body = b"".join(parts)
        return self._body

    async def aclose(self):
        """Abandons the rest of a ``stream=True`` response's body (its connection is not reused)."""
        st = self._stream
        if st is not None and st is not _READ:
            self._stream = _READ
            closer = getattr(st, "aclose", None)
            if closer is not None:
                await closer()

    def raise_for_status(self):
        """Raises HTTPStatusError when the status is 4xx or 5xx; returns the response otherwise."""
        if self.status >= 400:
            raise HTTPStatusError(self)
        return self

    def __repr__(self):
        return f"<Response [{self.status}]>"


class StreamingResponse(Response):
    """A response whose body is sent while it is produced: ``StreamingResponse(body, status=200, headers=None)``.

    ``body`` is an async iterator (an ``async def`` generator) or an iterator of bytes or str
    (UTF-8); each item is sent as it comes, and the iterator is advanced only as fast as the client
    reads. When the client goes away the iterator is closed (its ``finally`` runs). An iterator
    that raises cuts the body short where the client can see it. ``body_iterator`` is the
    iterator, which a middleware may wrap.
    """

    __slots__ = ("body_iterator",)

    def __init__(self, body, status=200, headers=None):
        if isinstance(body, (bytes, bytearray, memoryview, str)) or not (
                hasattr(body, "__aiter__") or hasattr(body, "__iter__")):
            raise TypeError("StreamingResponse body must be an async iterator or an iterator of bytes/str, not "
                            f"{type(body).__name__} (for a whole body use http.Response)")
        super().__init__(status=status, headers=headers)
        self.body_iterator = body

    @property
    def body(self):
        return b""

    @body.setter
    def body(self, body):
        if body is not None and body != b"":
            raise TypeError("a StreamingResponse's body is its body_iterator; set that instead")

    def __repr__(self):
        return f"<StreamingResponse [{self.status}]>"


class ClientCert:
    """A client certificate verified against the listener's ``tls.client_ca``.

    ``subject`` and ``issuer`` in RFC 2253 form ("CN=alice,O=Example"); ``sans`` a list of
    "DNS:name", "IP:address", "email:address" or "URI:uri".
    """

    __slots__ = ("subject", "issuer", "sans")

    def __init__(self, subject, issuer, sans=()):
        self.subject = subject
        self.issuer = issuer
        self.sans = list(sans)

    def __repr__(self):
        return f"<ClientCert {self.subject}>"


class TlsInfo:
    """What the TLS handshake settled: ``protocol`` ("TLSv1.3"), ``cipher_suite``,
    ``alpn`` ("h2", "http/1.1" or None), ``server_name`` (SNI, or None) and ``client_cert``
    (a ``ClientCert`` with mutual TLS, else None)."""

    __slots__ = ("protocol", "cipher_suite", "alpn", "server_name", "client_cert")

    def __init__(self, protocol, cipher_suite, alpn=None, server_name=None, client_cert=None):
        self.protocol = protocol
        self.cipher_suite = cipher_suite
        self.alpn = alpn
        self.server_name = server_name
        self.client_cert = client_cert

    def __repr__(self):
        return f"<TlsInfo {self.protocol} {self.alpn}>"


class Request:
    """The inbound request handed to handlers and middleware."""

    __slots__ = ("method", "path", "path_params", "_headers", "_query", "_qs", "_client", "_tls", "_body", "_id",
                 "_stream")

    def __init__(self, method, path, path_params=None, headers=None, query_params=None, client="", body=b"",
                 tls=None, query_string="", request_id=""):
        self.method = method
        self.path = path
        self.path_params = {} if path_params is None else dict(path_params)
        self._headers = {k.lower(): v for k, v in (headers or {}).items()}
        self._query = {} if query_params is None else dict(query_params)
        self._qs = query_string
        self._client = client
        self._tls = tls
        self._body = body
        self._id = request_id
        self._stream = None  # _STREAM_ROUTE: a stream=True route's body, not read yet; _READ once read

    @property
    def headers(self):
        """Lower-case names; repeated fields joined with ", "."""
        return self._headers

    def header(self, name):
        """One header, case-insensitive, or None."""
        return self.headers.get(name.lower())

    @property
    def query_params(self):
        """Decoded query parameters; the last value wins for a repeated key."""
        return self._query

    @property
    def query_string(self):
        """The query as received, still percent-encoded, without the "?"; "" when there is none."""
        return self._qs

    @property
    def request_id(self):
        """The request's id: its ``x-request-id`` when that is 1 to 128 visible ASCII characters, else
        one the server made; the response carries it back in ``x-request-id``."""
        return self._id

    @property
    def client(self):
        """The client as "ip:port" ("[::1]:port" for IPv6)."""
        return self._client

    @property
    def tls(self):
        """The connection's TLS details (a ``TlsInfo``), or None on cleartext."""
        return self._tls

    @property
    def scheme(self):
        """"https" on a TLS listener, else "http"."""
        return "http" if self.tls is None else "https"

    @property
    def client_cert(self):
        """The client certificate mutual TLS verified (a ``ClientCert``), or None."""
        t = self.tls
        return None if t is None else t.client_cert

    def body(self):
        """The whole buffered request body as bytes.

        On a ``stream=True`` route it waits for the whole body (up to the route's max_body_bytes):
        read such a body with ``req.stream()`` instead.
        """
        if self._stream is _READ:
            raise RuntimeError("req.body() after req.stream() began: the body was already read as a stream")
        return self._body

    def stream(self):
        """The body as it arrives: ``async for chunk in req.stream()`` gives bytes chunks.

        On a ``stream=True`` route the chunks come as the client sends them (in tests: the
        request's body as one chunk); on other routes, the whole body as one chunk. It raises
        ``http.StreamError`` when the body stops short (``.status`` 408 for a client that stalled,
        413 past the route's max_body_bytes, 0 for a client that left).
        """
        st = self._stream
        if st is _READ:
            raise RuntimeError("req.stream() can be read once")
        if st is _STREAM_ROUTE:
            self._stream = _READ
        return _whole_chunks(self._body)

    def __repr__(self):
        return f"<Request {self.method} {self.path}>"


_READ = object()  # a Response's or stream route Request's stream once handed out
_STREAM_ROUTE = object()  # a stream=True route's Request whose body was not read yet


async def _whole_chunks(b):
    if b:
        yield b


# The keys of clients.<name> as the engine declares them (dev.siphon.http.config.ClientConfig.SECTION):
# key -> (kind, type). CPythonHarnessTest checks this table against the Java declaration.
_CLIENT_SETTINGS = {
    "base_url": ("SHAPED", "string"),
    "timeout_ms": ("INTEGER", "integer 1\u201386400000"),
    "verify": ("SHAPED", "path"),
    "cert": ("SHAPED", "path"),
    "key": ("SHAPED", "path"),
    "pool_size": ("INTEGER", "integer 1\u20131024"),
    "max_connections": ("INTEGER", "integer 1\u201316384"),
    "proxy": ("SHAPED", "string"),
    "no_proxy": ("SHAPED", "string"),
    "http2_prior_knowledge": ("BOOLEAN", "boolean"),
    "max_response_bytes": ("INTEGER", "integer 1\u20131073741824"),
    "allow_other_origins": ("BOOLEAN", "boolean"),
    "follow_redirects": ("BOOLEAN", "boolean"),
}
_CLIENT_DEFAULTS = {"timeout_ms": 5000, "pool_size": 8, "max_connections": 1024, "max_response_bytes": 64 << 20,
                    "http2_prior_knowledge": False, "allow_other_origins": False, "follow_redirects": True}


def _check_base_url(url):
    """Why ``url`` cannot be a base URL (as ClientConfig.checkBaseUrl), or None."""
    from urllib.parse import urlsplit
    expected = ('expected an absolute http:// or https:// URL with a host, like "https://api.example.com/v1", '
                f'found "{url}"')
    try:
        u = urlsplit(url)
    except ValueError as e:
        return f"{expected} ({e})"
    if u.scheme.lower() not in ("http", "https"):
        return expected
    if not u.hostname:
        return expected + " (no host)"
    return None


def _settings(given):
    """Validates inline settings as the engine does; returns them with defaults filled in."""
    s = dict(_CLIENT_DEFAULTS)
    for k, v in given.items():
        if v is None:
            continue
        kind, shape = _CLIENT_SETTINGS[k]
        if kind == "INTEGER":
            lo, hi = (int(x) for x in shape.split(" ", 1)[1].split("\u2013"))
            if not lo <= v <= hi:
                raise ValueError(f"http.Client: {k} must be from {lo} to {hi}, was {v}")
        elif k == "base_url":
            bad = _check_base_url(v)
            if bad is not None:
                raise ValueError(f"http.Client: {bad}")
        elif shape == "path" and not _os.path.isfile(v):
            raise ValueError(f"http.Client: {k}: {v}: no such file")
        s[k] = v
    if s.get("key") is not None and s.get("cert") is None:
        raise ValueError("http.Client: key is only valid together with cert")
    return s


class Client:
    """An outbound HTTP client.

    ``Client("api")`` uses ``clients.api`` of http.yaml (in tests: the harness's
    ``config={"clients": {...}}``); ``Client(base_url=..., verify=..., cert=..., timeout_ms=...,
    ...)`` an inline one, which takes any key of ``clients.<name>``. ``get/post/put/patch/delete/
    request`` are coroutines returning a Response; in tests the harness answers them.
    """

    __slots__ = ("_settings", "name", "base_url", "_closed")

    def __init__(self, name=None, **settings):
        global _clients_made
        _clients_made = True
        declared = _CLIENT_SETTINGS
        for k in settings:
            if k not in declared:
                raise TypeError(f"http.Client: unknown setting {k!r} (the keys of clients.<name> in http.yaml: "
                                f"{', '.join(declared)})")
        if name is not None:
            if not isinstance(name, str):
                raise TypeError(f"http.Client(name): name must be a str, not {type(name).__name__}")
            given = [k for k in declared if settings.get(k) is not None]
            if given:
                raise TypeError(f"http.Client({name!r}) takes its settings from clients.{name} in http.yaml; "
                                f"give either a name or settings ({', '.join(given)}), not both")
            named = _named_clients
            if named is None:  # the SDK's harness: any name is a client
                conf = {}
            elif name in named:
                conf = dict(named[name] or {})
            else:
                known = ", ".join(repr(n) for n in named) if named else "none"
                raise LookupError(f"http.Client({name!r}): no client {name!r} under clients: in http.yaml "
                                  f"(configured: {known})")
            self._settings = _settings({k: v for k, v in conf.items() if k in declared})
            self.name = name
            self.base_url = None
            self._closed = False
            return
        cert = settings.get("cert")
        if isinstance(cert, (tuple, list)):
            if len(cert) != 2:
                raise ValueError("http.Client: cert must be a combined PEM path or a (cert, key) pair, "
                                 f"got {len(cert)} items")
            if settings.get("key") is not None:
                raise TypeError("http.Client: give the key as cert=(cert, key) or as key=, not both")
            settings = dict(settings, cert=_path("cert", cert[0]), key=_path("cert key", cert[1]))
        checked = {}
        for k, (kind, shape) in declared.items():
            v = settings.get(k)
            if v is None:
                continue
            if kind == "INTEGER":
                if isinstance(v, bool) or not isinstance(v, int):
                    raise TypeError(f"http.Client: {k} must be an int, not {type(v).__name__}")
            elif kind == "BOOLEAN":
                v = bool(v)
            elif shape == "path":
                v = _path(k, v)
            elif not isinstance(v, str):
                raise TypeError(f"http.Client: {k} must be a str, not {type(v).__name__}")
            checked[k] = v
        self._settings = _settings(checked)
        self.name = None
        self.base_url = settings.get("base_url")
        self._closed = False

    async def get(self, path, *, headers=None, body=None, stream=False):
        """GET ``path`` (joined onto base_url unless absolute)."""
        return await self.request("GET", path, headers=headers, body=body, stream=stream)

    async def post(self, path, *, body=None, headers=None, stream=False):
        return await self.request("POST", path, headers=headers, body=body, stream=stream)

    async def put(self, path, *, body=None, headers=None, stream=False):
        return await self.request("PUT", path, headers=headers, body=body, stream=stream)

    async def patch(self, path, *, body=None, headers=None, stream=False):
        return await self.request("PATCH", path, headers=headers, body=body, stream=stream)

    async def delete(self, path, *, headers=None, body=None, stream=False):
        return await self.request("DELETE", path, headers=headers, body=body, stream=stream)

    async def request(self, method, path, *, body=None, headers=None, stream=False):
        """Any method: ``await c.request("HEAD", "/x")``. Returns a Response with lower-case header names.

        ``body`` may be an async iterator (or iterator) of bytes/str: it is sent as it is produced
        (in tests: read whole, and recorded whole in ``sent_requests``). ``stream=True`` returns as
        soon as the response's head arrived; read its body with ``async for chunk in resp.stream()``.
        """
        if self._closed:
            raise ClientError("http.Client is closed (its async with block ended)")
        if not isinstance(method, str) or not method:
            raise TypeError(f"method must be a non-empty str, not {method!r}")
        if not isinstance(path, str):
            raise TypeError(f"path must be a str, not {type(path).__name__}")
        upload = None
        if body is None or isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode("utf-8")
        elif isinstance(body, (bytearray, memoryview)):
            data = bytes(body)
        elif hasattr(body, "__aiter__") or (hasattr(body, "__iter__") and not isinstance(body, dict)):
            data = None
            upload = body
        else:
            raise TypeError(f"request body must be bytes, str or an (async) iterator of them, not {type(body).__name__}")
        if not isinstance(stream, bool):
            raise TypeError(f"stream must be True or False, not {stream!r}")
        sent = {}
        for k, v in (headers or {}).items():
            sent[k if isinstance(k, str) else str(k)] = v if isinstance(v, str) else str(v)
        if _client_call is None:
            raise ClientError("http.Client: outbound calls are answered by siphon_testing.HttpTestHarness, "
                              "and none is active")
        return await _client_call(self, method, path, sent, data, upload, stream)

    async def aclose(self):
        """Ends this handle; the shared pool stays open for other handles (the server closes it)."""
        self._closed = True

    async def __aenter__(self):
        return self

    async def __aexit__(self, et, ev, tb):
        self._closed = True
        return False

    def __repr__(self):
        if self.name is not None:
            return f"<http.Client {self.name!r}>"
        return f"<http.Client base_url={self.base_url!r}>"


def _path(what, p):
    if p is None:
        return None
    if isinstance(p, _os.PathLike):
        p = _os.fspath(p)
    if not isinstance(p, str):
        raise TypeError(f"http.Client: {what} must be a file path (str), not {type(p).__name__}")
    return p
