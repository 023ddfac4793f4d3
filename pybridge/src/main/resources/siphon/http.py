"""The ``http`` namespace of siphon-http scripts: decorators, Request, Response, Client.

See docs/python.md for the whole contract. Registrations are recorded per worker context
(every worker loads the script); siphon-http registers the routes with the engine once and
checks that every worker registered the same ones.
"""


import builtins as _builtins

from siphon import _java

__all__ = ["route", "middleware", "on_startup", "on_shutdown", "Request", "Response", "StreamingResponse", "Client",
           "StreamError",
           "ClientError", "ConnectError", "ConnectTimeoutError", "TimeoutError", "PoolTimeoutError",
           "PoolExhaustedError", "TLSError", "ProtocolError", "ConnectionClosedError", "ResponseTooLargeError",
           "OriginNotAllowedError", "TooManyRedirectsError", "HTTPStatusError", "HTTPError"]

# (pattern, methods, function) in registration order; read by siphon._runtime.
_routes = []
# route index -> max_body_bytes (-2: none) of the routes registered with stream=True
_stream_routes = {}
_UNLIMITED = -2
_middleware = []
_unmatched = []  # the middleware that also runs for requests no route matches, in order
_startup = []
_shutdown = []
_clients_made = False  # an http.Client was constructed (siphon._runtime sets up asyncio for it)
# siphon._runtime.client_call, which sends a request of http.Client and awaits its result on the
# worker's loop; installed by the runtime when it starts (this module does not import the
# runtime: the runtime imports it)
_client_call = None
_client_stream_call = None  # siphon._runtime.client_stream_call: the same with a streamed body either way


def route(path, methods=None, *, stream=False, max_body_bytes=None):
    """Registers the decorated function for ``path`` and ``methods`` (default ["GET"]).

    ``stream=True``: the handler runs as soon as the request's head has arrived and reads the body
    as it comes, ``async for chunk in req.stream()``; the connection reads only as fast as the
    handler takes the chunks. Such a route accepts bodies up to ``max_body_bytes`` (default: no
    cap) instead of the listener's ``max_body_bytes``.
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
    """Registers a hook run once per worker on graceful shutdown, after requests in flight finished.

    It runs on the worker's loop (an ``async def`` hook may await ``cache`` calls and
    ``http.Client`` requests), in registration order, within ``engine.shutdown_hooks_timeout_ms``;
    only in workers whose ``on_startup`` hooks all completed.
    """
    if not callable(fn):
        raise TypeError(f"http.on_shutdown decorates a function, not {type(fn).__name__}")
    _shutdown.append(fn)
    return fn


class ClientError(RuntimeError):
    """An outbound ``http.Client`` request failed; the base of every error below.

    A ``RuntimeError``, as every client failure is in the original siphon-http, so that a script's
    ``except RuntimeError:`` around a call keeps catching it."""


class ConnectError(ClientError):
    """The connection could not be opened: refused, unknown host, unreachable network, or a proxy
    that would not open the tunnel to an https:// origin (its message names the proxy and status)."""


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
    """The URL names another origin than the client's ``base_url``; nothing was sent.

    A client with a ``base_url`` sends only there unless it allows other origins
    (``allow_other_origins`` in http.yaml, or ``http.Client(..., allow_other_origins=True)``).
    """


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

# how an outbound call failed, as Java names it (dev.siphon.http.py.ClientErrorKind, the Java
# side's one list; ClientScriptTest checks that the two agree) -> the Python error raised
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
    "request_body": ClientError,  # a streamed request body's iterator raised, or its length was off
    "client_error": ClientError,
}


class Response:
    """A response: ``Response(status=200, headers=None, body=None)``; body is bytes or str (UTF-8)."""

    __slots__ = ("status", "headers", "_body", "_stream")

    def __init__(self, status=200, headers=None, body=None):
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"Response status must be an int, not {type(status).__name__}")
        if status < 200 or status > 599:
            # a 1xx is an interim response, which the server sends itself (100 Continue): answered
            # as final, the client would pair every later response with the wrong request
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
    def _from_java(cls, status, headers, body):
        """The response of an outbound call: ``headers`` a flat Java array, ``body`` a Latin-1 str."""
        r = cls.__new__(cls)
        r.status = status
        r.headers = _java.pairs(headers)
        r._body = body.encode("latin-1")
        r._stream = None
        return r

    @classmethod
    def _from_java_stream(cls, status, headers, stream):
        """The response of an outbound call with ``stream=True``: its body is Java stream ``stream``."""
        r = cls.__new__(cls)
        r.status = status
        r.headers = _java.pairs(headers)
        r._body = None
        r._stream = stream
        return r

    def stream(self):
        """The body in chunks: ``async for chunk in resp.stream()``. For a response of
        ``http.Client(...).get(..., stream=True)`` the chunks come as the origin sends them, read
        only as fast as the loop takes them; leaving the loop early abandons the rest of the body.
        For any other response, the whole body as one chunk."""
        st = getattr(self, "_stream", None)
        if st is None:
            return _whole_chunks(self.body)
        self._stream = _READ
        if st is _READ:
            raise RuntimeError("resp.stream() can be read once")
        return _stream_chunks(st)

    async def read(self):
        """The whole body as bytes; for a ``stream=True`` response, read to its end first."""
        if self._body is None:
            parts = [c async for c in self.stream()]
            self._body = b"".join(parts)
        return self._body

    async def aclose(self):
        """Abandons the rest of a ``stream=True`` response's body (its connection is not reused)."""
        st = getattr(self, "_stream", None)
        if st is not None and st is not _READ:
            self._stream = _READ
            _java.bridge.streamCancel(st)

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
    (UTF-8); each item is sent as it comes (HTTP/1.1 chunked unless ``headers`` give a
    content-length; HTTP/2 DATA frames), and the iterator is advanced only as fast as the client
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

    @classmethod
    def _from_java(cls, flat):
        """From Java's flat array: protocol, cipher suite, ALPN, SNI ("" for none), then the
        client certificate's subject, issuer and SANs when there is one."""
        f = [str(x) for x in flat]
        cert = ClientCert(f[4], f[5], f[6:]) if len(f) > 4 else None
        return cls(f[0], f[1], f[2] or None, f[3] or None, cert)

    def __repr__(self):
        return f"<TlsInfo {self.protocol} {self.alpn}>"


_UNKNOWN = object()  # a request's TLS details, not fetched from Java yet


class Request:
    """The inbound request handed to handlers and middleware."""

    __slots__ = ("method", "path", "path_params", "_rid", "_hdr", "_headers", "_query", "_qs", "_client", "_tls",
                 "_body", "_id", "_stream")

    def __init__(self, method, path, path_params=None, headers=None, query_params=None, client="", body=b"",
                 tls=None, query_string="", request_id=""):
        self.method = method
        self.path = path
        self.path_params = {} if path_params is None else dict(path_params)
        self._rid = -1
        self._hdr = None
        self._headers = {k.lower(): v for k, v in (headers or {}).items()}
        self._query = {} if query_params is None else dict(query_params)
        self._qs = query_string
        self._client = client
        self._tls = tls
        self._body = body
        self._id = request_id
        self._stream = None

    @classmethod
    def _from_java(cls, rid, method, path, params, headers, body_len):
        """Request ``rid`` as Java delivers it (``siphon._runtime.deliver``).

        ``params`` and ``headers`` are flat Java string arrays (name, value, ...); the body, the
        query, the client and the TLS details are fetched from Java only when first asked for.
        """
        req = cls.__new__(cls)
        req.method = method
        req.path = path
        req.path_params = _java.pairs(params) if len(params) else {}
        req._rid = rid
        req._hdr = headers
        req._headers = None
        req._query = None
        req._qs = None
        req._client = None
        req._tls = _UNKNOWN
        req._body = None if body_len else b""
        req._id = None
        req._stream = False if body_len >= 0 else None  # a stream=True route's body: None until read
        return req

    @property
    def headers(self):
        """Lower-case names; repeated fields joined with ", "."""
        h = self._headers
        if h is None:
            h = {}
            a = self._hdr
            n = len(a)
            i = 0
            while i < n:
                k = a[i]
                v = a[i + 1]
                old = h.get(k)
                h[k] = v if old is None else old + ", " + v
                i += 2
            self._headers = h
        return h

    def header(self, name):
        """One header, case-insensitive, or None."""
        return self.headers.get(name.lower())

    @property
    def query_params(self):
        """Decoded query parameters; the last value wins for a repeated key."""
        q = self._query
        if q is None:
            q = _java.pairs(_java.bridge.query(self._rid))
            self._query = q
        return q

    @property
    def query_string(self):
        """The query as received, still percent-encoded, without the "?"; "" when there is none."""
        q = self._qs
        if q is None:
            q = str(_java.bridge.rawQuery(self._rid))
            self._qs = q
        return q

    @property
    def request_id(self):
        """The request's id: its ``x-request-id`` when that is 1 to 128 visible ASCII characters, else
        one the server made; the response carries it back in ``x-request-id``."""
        i = self._id
        if i is None:
            i = str(_java.bridge.requestId(self._rid))
            self._id = i
        return i

    @property
    def client(self):
        """The client as "ip:port" ("[::1]:port" for IPv6)."""
        c = self._client
        if c is None:
            c = str(_java.bridge.client(self._rid))
            self._client = c
        return c

    @property
    def tls(self):
        """The connection's TLS details (a ``TlsInfo``), or None on cleartext."""
        t = self._tls
        if t is _UNKNOWN:
            flat = _java.bridge.tls(self._rid)
            t = None if flat is None else TlsInfo._from_java(flat)
            self._tls = t
        return t

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

        On a ``stream=True`` route it waits for the whole body (up to the route's max_body_bytes),
        holding this worker meanwhile: read such a body with ``req.stream()`` instead.
        """
        b = self._body
        if b is None:
            if self._stream is not None and self._stream is not False:
                raise RuntimeError("req.body() after req.stream() began: the body was already read as a stream")
            b = _java.bridge.body(self._rid).encode("latin-1")
            self._body = b
        return b

    def stream(self):
        """The body as it arrives: ``async for chunk in req.stream()`` gives bytes chunks.

        On a ``stream=True`` route the chunks come as the client sends them, and the server reads
        from the client only as fast as the handler takes them; on other routes, the whole body as
        one chunk. It raises ``http.StreamError`` when the body stops short (``.status`` 408 for a
        client that stalled, 413 past the route's max_body_bytes, 0 for a client that left).
        """
        st = self._stream
        if st is None and self._rid >= 0:  # a stream=True route, not read yet: taken now, so that the
            st = _java.bridge.requestStream(self._rid)  # chunks can be read after the handler answered
            self._stream = st
        elif st is not None and st is not False:
            raise RuntimeError("req.stream() can be read once")
        if st is None or st is False:  # a buffered body (or one made in Python): one chunk
            return _whole_chunks(self.body())
        return _stream_chunks(st)

    def __repr__(self):
        return f"<Request {self.method} {self.path}>"


_NO_HEADERS = []
_READ = object()  # Response._stream once its stream was handed out


async def _whole_chunks(b):
    if b:
        yield b


async def _stream_chunks(st):
    done = False
    try:
        while True:
            chunk = await _stream_read(st)
            if chunk is None:
                done = True
                return
            yield chunk
    finally:
        if not done:
            _java.bridge.streamCancel(st)  # left early (or failed, or cancelled): the rest is not wanted


# siphon._runtime.stream_read(stream) -> bytes, or None at the end; installed by the runtime
_stream_read = None


class Client:
    """An outbound HTTP client over a shared, pooled Java client.

    ``Client("api")`` uses ``clients.api`` of http.yaml; ``Client(base_url=..., verify=...,
    cert=..., timeout_ms=..., ...)`` an inline one, which takes any key of ``clients.<name>``
    (``cert`` also as a ``(cert, key)`` pair). Inline clients with equal settings share one
    connection pool, so constructing one per request costs no connections.
    ``get/post/put/patch/delete/request`` are coroutines returning a Response. A client with a
    ``base_url`` sends only to its origin unless it allows others (``OriginNotAllowedError``).
    ``pool_size`` is the idle connections kept per origin, ``max_connections`` the cap on those
    open; requests go through the environment's ``HTTPS_PROXY``/``HTTP_PROXY`` (minus
    ``NO_PROXY``) unless ``proxy=`` names one or is ``"none"``, as in the original.
    """

    __slots__ = ("_id", "name", "base_url", "_closed")

    def __init__(self, name=None, **settings):
        global _clients_made
        _clients_made = True
        b = _java.bridge
        declared = _client_settings()
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
            cid = b.clientNamed(name)
            if cid < 0:
                names = [str(n) for n in b.clientNames()]
                known = ", ".join(repr(n) for n in names) if names else "none"
                raise LookupError(f"http.Client({name!r}): no client {name!r} under clients: in http.yaml "
                                  f"(configured: {known})")
            self._id = int(cid)
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
        flat = []
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
            flat += (k, v)
        cid = b.clientInline(flat)
        if cid < 0:
            raise ValueError(f"http.Client: {b.clientError()}")
        self._id = int(cid)
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
        (HTTP/1.1 chunked unless ``headers`` give a content-length). ``stream=True`` returns as soon
        as the response's head arrived; read its body with ``async for chunk in resp.stream()``.
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
        if headers:
            flat = []
            for k, v in headers.items():
                flat.append(k if isinstance(k, str) else str(k))
                flat.append(v if isinstance(v, str) else str(v))
        else:
            flat = _NO_HEADERS
        if upload is None and not stream:
            return await _client_call(self._id, method, path, flat, data)
        return await _client_stream_call(self._id, method, path, flat, data, upload, stream)

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


_CLIENT_SETTINGS = None


def _client_settings():
    """The keys an inline http.Client takes, {key: (KIND, type)}: what Java declares for clients.<name>."""
    global _CLIENT_SETTINGS
    if _CLIENT_SETTINGS is None:
        declared = {}
        for line in _java.bridge.clientSettings():
            key, kind, shape = str(line).split(" ", 2)
            declared[key] = (kind, shape)
        _CLIENT_SETTINGS = declared
    return _CLIENT_SETTINGS


def _path(what, p):
    if p is None:
        return None
    import os
    if isinstance(p, os.PathLike):
        p = os.fspath(p)
    if not isinstance(p, str):
        raise TypeError(f"http.Client: {what} must be a file path (str), not {type(p).__name__}")
    return p

