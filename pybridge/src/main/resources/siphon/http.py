"""The ``http`` namespace of siphon-http scripts: decorators, Request, Response, Client.

See docs/python.md for the whole contract. Registrations are recorded per worker context
(every worker loads the script); siphon-http registers the routes with the engine once and
checks that every worker registered the same ones.
"""


__all__ = ["route", "middleware", "on_startup", "Request", "Response", "Client", "HTTPError"]

# (pattern, methods, function) in registration order; read by siphon._runtime.
_routes = []
_middleware = []
_startup = []


def route(path, methods=None):
    """Registers the decorated function for ``path`` and ``methods`` (default ["GET"])."""
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
        _routes.append((path, ms, fn))
        return fn

    return register


def middleware(fn):
    """Registers a request guard: it returns a Response to answer at once, or None to go on."""
    if not callable(fn):
        raise TypeError(f"http.middleware decorates a function, not {type(fn).__name__}")
    _middleware.append(fn)
    return fn


def on_startup(fn):
    """Registers a hook run once per worker, to completion, before any listener accepts."""
    if not callable(fn):
        raise TypeError(f"http.on_startup decorates a function, not {type(fn).__name__}")
    _startup.append(fn)
    return fn


class HTTPError(Exception):
    """Raised by ``Response.raise_for_status()`` for a 4xx or 5xx status."""

    def __init__(self, response):
        self.response = response
        self.status = response.status
        super().__init__(f"HTTP status {response.status}")


class Response:
    """A response: ``Response(status=200, headers=None, body=None)``; body is bytes or str (UTF-8)."""

    __slots__ = ("status", "headers", "_body")

    def __init__(self, status=200, headers=None, body=None):
        if isinstance(status, bool) or not isinstance(status, int):
            raise TypeError(f"Response status must be an int, not {type(status).__name__}")
        if status < 100 or status > 999:
            raise ValueError(f"Response status must be from 100 to 999, was {status}")
        self.status = status
        self.headers = {} if headers is None else headers
        self.body = body

    @property
    def body(self):
        return self._body

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

    def raise_for_status(self):
        """Raises HTTPError when the status is 4xx or 5xx; returns the response otherwise."""
        if self.status >= 400:
            raise HTTPError(self)
        return self

    def __repr__(self):
        return f"<Response [{self.status}]>"


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
    def _from_flat(cls, f):
        cert = ClientCert(f[4], f[5], f[6:]) if len(f) > 4 else None
        return cls(f[0], f[1], f[2] or None, f[3] or None, cert)

    def __repr__(self):
        return f"<TlsInfo {self.protocol} {self.alpn}>"


class Request:
    """The inbound request handed to handlers and middleware."""

    __slots__ = ("method", "path", "path_params", "_rid", "_hdr", "_headers", "_query", "_client", "_tls", "_body")

    def __init__(self, method, path, path_params=None, headers=None, query_params=None, client="", body=b"",
                 tls=None):
        self.method = method
        self.path = path
        self.path_params = {} if path_params is None else dict(path_params)
        self._rid = -1
        self._hdr = None
        self._headers = {k.lower(): v for k, v in (headers or {}).items()}
        self._query = {} if query_params is None else dict(query_params)
        self._client = client
        self._tls = tls
        self._body = body

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
            q = _runtime.pairs(_runtime.bridge.query(self._rid))
            self._query = q
        return q

    @property
    def client(self):
        """The client as "ip:port" ("[::1]:port" for IPv6)."""
        c = self._client
        if c is None:
            c = str(_runtime.bridge.client(self._rid))
            self._client = c
        return c

    @property
    def tls(self):
        """The connection's TLS details (a ``TlsInfo``), or None on cleartext."""
        t = self._tls
        if t is _runtime._UNKNOWN:
            flat = _runtime.bridge.tls(self._rid)
            t = None if flat is None else TlsInfo._from_flat([str(x) for x in flat])
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
        """The whole buffered request body as bytes."""
        b = self._body
        if b is None:
            b = _runtime.bridge.body(self._rid).encode("latin-1")
            self._body = b
        return b

    def __repr__(self):
        return f"<Request {self.method} {self.path}>"


class Client:
    """Outbound HTTP client; it arrives with the outbound client milestone."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            "http.Client arrives with the outbound client milestone; this build of siphon-http "
            "cannot make outbound requests yet")


from siphon import _runtime  # noqa: E402  (the runtime imports this module too)
