"""The ``http`` namespace of siphon-http scripts: decorators, Request, Response, Client.

See docs/python.md for the whole contract. Every worker context loads the script and records
its registrations; siphon-http registers the routes with the engine once.
"""

import builtins as _builtins
import os
from types import TracebackType
from typing import Any, AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping, TypeVar, overload

__all__ = ["route", "middleware", "on_startup", "on_shutdown", "Request", "Response", "StreamingResponse", "Client",
           "StreamError",
           "ClientError", "ConnectError", "ConnectTimeoutError", "TimeoutError", "PoolTimeoutError",
           "PoolExhaustedError", "TLSError", "ProtocolError", "ConnectionClosedError", "ResponseTooLargeError",
           "OriginNotAllowedError", "TooManyRedirectsError", "HTTPStatusError", "HTTPError"]

_Handler = TypeVar("_Handler", bound=Callable[[Request], Response | Awaitable[Response]])
_Guard = Callable[[Request], Response | None | Awaitable[Response | None]]
_CallNext = Callable[[Request], Awaitable[Response]]
_Wrapper = Callable[[Request, _CallNext], Response | Awaitable[Response]]
_Middleware = TypeVar("_Middleware", bound=_Guard | _Wrapper)
_Hook = TypeVar("_Hook", bound=Callable[[], Any])
_Body = bytes | str | bytearray | memoryview | None
_Chunks = AsyncIterable[bytes | str] | Iterable[bytes | str]
_Upload = _Body | AsyncIterable[bytes | str] | Iterable[bytes | str]
_Setting = str | int | bool | os.PathLike[str] | tuple[str | os.PathLike[str], str | os.PathLike[str]] | None

def route(path: str, methods: Iterable[str] | None = None, *, stream: bool = False,
          max_body_bytes: int | None = None) -> Callable[[_Handler], _Handler]:
    """Registers the decorated function for ``path`` and ``methods`` (default ["GET"]).

    The handler takes the Request and returns a Response (``def`` or ``async def``).
    ``stream=True``: the handler runs as soon as the request's head has arrived and reads the body
    as it comes, ``async for chunk in req.stream()``; such a route accepts bodies up to
    ``max_body_bytes`` (default: no cap; only with ``stream=True``) instead of the listener's.
    """

@overload
def middleware(fn: _Middleware) -> _Middleware:
    """Registers a middleware; they run in registration order, before the route's handler.

    ``(req)``: a guard. It returns a Response to answer at once, or None to go on.
    ``(req, call_next)``: it wraps what comes after it. ``resp = await call_next(req)`` runs the
    rest of the middleware and the handler and gives their Response, which the middleware may
    change (``resp.headers[...] = ...``) or replace; it returns the Response to send.
    """

@overload
def middleware(fn: None = None, *, unmatched: bool = False) -> Callable[[_Middleware], _Middleware]:
    """``@http.middleware(unmatched=True)``: the middleware also runs for requests that match no
    route, which the engine otherwise answers itself (404, or 405 with ``allow``): there only
    such middleware runs, in registration order, and ``call_next`` ends at that answer."""

def on_startup(fn: _Hook) -> _Hook:
    """Registers a hook run once per worker, to completion, before any listener accepts."""

def on_shutdown(fn: _Hook) -> _Hook:
    """Registers a hook run once per worker on graceful shutdown, after requests in flight finished.

    It runs on the worker's loop (an ``async def`` hook may await ``cache`` calls and
    ``http.Client`` requests), in registration order, within ``engine.shutdown_hooks_timeout_ms``;
    only in workers whose ``on_startup`` hooks all completed.
    """

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
    """A streamed body could not go on: ``req.stream()`` when the request body stopped short
    (``status`` 408: the client stalled; 413: past the route's max_body_bytes; 0: the client left)."""

    status: int
    def __init__(self, message: str, status: int = 0) -> None: ...

class HTTPStatusError(ClientError):
    """Raised by ``Response.raise_for_status()`` for a 4xx or 5xx status; ``.response``, ``.status``."""

    response: Response
    status: int
    def __init__(self, response: Response) -> None: ...

HTTPError = HTTPStatusError

class Response:
    """A response: ``Response(status=200, headers=None, body=None)``; body is bytes or str (UTF-8).

    Header values are turned into ``str``; a list or tuple of values sends one field line each.
    The status must be a final one, 200 to 599 (``ValueError`` otherwise).
    """

    status: int
    headers: dict[str, Any]
    def __init__(self, status: int = 200, headers: Mapping[str, Any] | None = None, body: _Body = None) -> None: ...
    @property
    def body(self) -> bytes:
        """The body, always ``bytes`` (a str is stored as UTF-8; None as b""). For a response of
        ``http.Client(...).get(..., stream=True)``: RuntimeError until ``await resp.read()``."""
    @body.setter
    def body(self, body: _Body) -> None: ...
    def stream(self) -> AsyncIterator[bytes]:
        """The body in chunks: ``async for chunk in resp.stream()`` (a ``stream=True`` response's as
        they arrive, once; any other's as one chunk)."""
    async def read(self) -> bytes:
        """The whole body as bytes; for a ``stream=True`` response, read to its end first."""
    async def aclose(self) -> None:
        """Abandons the rest of a ``stream=True`` response's body."""
    def raise_for_status(self) -> Response:
        """Raises HTTPStatusError when the status is 4xx or 5xx; returns the response otherwise."""

class StreamingResponse(Response):
    """A response whose body is sent while it is produced: ``StreamingResponse(body, status=200, headers=None)``.

    ``body`` is an async iterator (an ``async def`` generator) or an iterator of bytes or str
    (UTF-8), advanced only as fast as the client reads; closed when the client goes away. An
    iterator that raises cuts the body short. ``body_iterator`` is the iterator (a middleware may
    wrap it); ``body`` is always b"".
    """

    body_iterator: _Chunks
    def __init__(self, body: _Chunks, status: int = 200, headers: Mapping[str, Any] | None = None) -> None: ...
    @property
    def body(self) -> bytes:
        """Always b"": the body is ``body_iterator``."""
    @body.setter
    def body(self, body: _Body) -> None:
        """TypeError for anything but None or b""."""

class ClientCert:
    """A client certificate verified against the listener's ``tls.client_ca``.

    ``subject`` and ``issuer`` in RFC 2253 form ("CN=alice,O=Example"); ``sans`` a list of
    "DNS:name", "IP:address", "email:address" or "URI:uri".
    """

    subject: str
    issuer: str
    sans: list[str]
    def __init__(self, subject: str, issuer: str, sans: Iterable[str] = ()) -> None: ...

class TlsInfo:
    """What the TLS handshake settled: ``protocol`` ("TLSv1.3"), ``cipher_suite``,
    ``alpn`` ("h2", "http/1.1" or None), ``server_name`` (SNI, or None) and ``client_cert``
    (a ``ClientCert`` with mutual TLS, else None)."""

    protocol: str
    cipher_suite: str
    alpn: str | None
    server_name: str | None
    client_cert: ClientCert | None
    def __init__(self, protocol: str, cipher_suite: str, alpn: str | None = None, server_name: str | None = None,
                 client_cert: ClientCert | None = None) -> None: ...

class Request:
    """The inbound request handed to handlers and middleware."""

    method: str
    path: str
    """As received, percent-encoded, without the query."""
    path_params: dict[str, str]
    """The route pattern's parameters, decoded."""
    def __init__(self, method: str, path: str, path_params: Mapping[str, str] | None = None,
                 headers: Mapping[str, str] | None = None, query_params: Mapping[str, str] | None = None,
                 client: str = "", body: bytes = b"", tls: TlsInfo | None = None, query_string: str = "",
                 request_id: str = "") -> None: ...
    @property
    def headers(self) -> dict[str, str]:
        """Lower-case names; repeated fields joined with ", "."""
    def header(self, name: str) -> str | None:
        """One header, case-insensitive, or None."""
    @property
    def query_params(self) -> dict[str, str]:
        """Decoded query parameters; the last value wins for a repeated key."""
    @property
    def query_string(self) -> str:
        """The query as received, still percent-encoded, without the "?"; "" when there is none."""
    @property
    def request_id(self) -> str:
        """The request's id (its ``x-request-id`` when valid, else one the server made)."""
    @property
    def client(self) -> str:
        """The client as "ip:port" ("[::1]:port" for IPv6)."""
    @property
    def tls(self) -> TlsInfo | None:
        """The connection's TLS details (a ``TlsInfo``), or None on cleartext."""
    @property
    def scheme(self) -> str:
        """"https" on a TLS listener, else "http"."""
    @property
    def client_cert(self) -> ClientCert | None:
        """The client certificate mutual TLS verified (a ``ClientCert``), or None."""
    def body(self) -> bytes:
        """The whole buffered request body as bytes (on a ``stream=True`` route: waits for all of it,
        up to the route's max_body_bytes; RuntimeError once ``req.stream()`` began)."""
    def stream(self) -> AsyncIterator[bytes]:
        """The body as it arrives: ``async for chunk in req.stream()`` (on a ``stream=True`` route,
        once: a second call raises RuntimeError); on other routes the whole body as one chunk.
        Raises ``http.StreamError`` when the body stops short."""

_C = TypeVar("_C", bound=Client)

class Client:
    """An outbound HTTP client over a shared, pooled Java client.

    ``Client("api")`` uses ``clients.api`` of http.yaml; ``Client(base_url=..., verify=...,
    cert=..., timeout_ms=..., ...)`` an inline one, which takes any key of ``clients.<name>``
    (``cert`` also as a ``(cert, key)`` pair). ``get/post/put/patch/delete/request`` are
    coroutines returning a Response. A client with a ``base_url`` sends only to its origin
    unless it allows others (``OriginNotAllowedError``).
    """

    name: str | None
    base_url: str | None
    def __init__(self, name: str | None = None, **settings: _Setting) -> None: ...
    async def get(self, path: str, *, headers: Mapping[str, object] | None = None, body: _Upload = None,
                  stream: bool = False) -> Response:
        """GET ``path`` (joined onto base_url unless absolute)."""
    async def post(self, path: str, *, body: _Upload = None, headers: Mapping[str, object] | None = None,
                   stream: bool = False) -> Response: ...
    async def put(self, path: str, *, body: _Upload = None, headers: Mapping[str, object] | None = None,
                  stream: bool = False) -> Response: ...
    async def patch(self, path: str, *, body: _Upload = None, headers: Mapping[str, object] | None = None,
                    stream: bool = False) -> Response: ...
    async def delete(self, path: str, *, headers: Mapping[str, object] | None = None, body: _Upload = None,
                     stream: bool = False) -> Response: ...
    async def request(self, method: str, path: str, *, body: _Upload = None,
                      headers: Mapping[str, object] | None = None, stream: bool = False) -> Response:
        """Any method: ``await c.request("HEAD", "/x")``. Returns a Response with lower-case header names.

        ``body`` may be an async iterator (or iterator) of bytes/str, sent as it is produced.
        ``stream=True`` returns at the response's head; read its body with ``resp.stream()``."""
    async def aclose(self) -> None:
        """Ends this handle; the shared pool stays open for other handles (the server closes it)."""
    async def __aenter__(self: _C) -> _C: ...
    async def __aexit__(self, et: type[BaseException] | None, ev: BaseException | None,
                        tb: TracebackType | None) -> bool: ...
