"""HttpTestHarness: a script's requests answered as siphon-http's engine answers them, in CPython.

See docs/testing.md for the API. What the engine does and the harness reproduces:

- routing (``siphon_testing._router``): 404 for an unmatched path, 405 with ``allow`` for a
  method the path lacks, 400 for a path parameter that is malformed percent-encoding, HEAD
  served by the GET route without a body; these answers have the engine's body
  ("404 Not Found\\n", ``text/plain; charset=utf-8``) and never reach the script;
- the middleware in registration order (a Response answers at once, None goes on), then the
  handler, each ``def`` or ``async def``; one that raises, or returns anything but an
  ``http.Response`` (a middleware: anything but a Response or None), answers 500, and the
  traceback is printed to stderr as the engine logs it;
- the response as the engine writes it: header names lower-case, a list value one field line
  per item (joined with ", " in the result, as a client reads it), ``date``, ``connection``,
  ``keep-alive``, ``content-length`` and ``transfer-encoding`` of the script dropped,
  ``content-length`` added (not for 204 and 304, which carry no body), ``x-request-id`` added
  unless the script set it; an invalid header name or value answers 500.
"""

import asyncio
import inspect
import ipaddress
import json
import os
import random
import sys
import traceback
from collections import deque
from urllib.parse import quote, urlencode, urlsplit

from siphon import cache as _cache
from siphon import http as _http
from siphon import log as _log
from siphon import metrics as _metrics
from siphon import timer as _timer
from siphon_testing import _router

_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            413: "Content Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}
_FRAMING = ("date", "connection", "keep-alive", "content-length", "transfer-encoding")
_OWN_FILES = (os.path.abspath(__file__), os.path.abspath(_router.__file__))
# what a client percent-encodes in a path it is given (RFC 3986 pchar, "/" and existing escapes stay)
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"
_QUERY_SAFE = "/?%!$&'()*+,;=:@-._~"


class HarnessError(Exception):
    """The script cannot be served: it raised while loading (the message holds its traceback),
    or registered routes the engine would refuse."""


class UnexpectedRequest(AssertionError):
    """The script made an outbound call no canned response answers (an AssertionError: it fails the test)."""


def _engine_answer(status, extra=None):
    headers = {"content-type": "text/plain; charset=utf-8"}
    if extra:
        headers.update(extra)
    return status, headers, f"{status} {_REASONS.get(status, '')}\n".encode("utf-8")


def _script_traceback():
    """The current exception's traceback without the harness's own frames."""
    et, ev, tb = sys.exc_info()
    while tb is not None and (os.path.abspath(tb.tb_frame.f_code.co_filename) in _OWN_FILES
                              or tb.tb_frame.f_code.co_filename.startswith("<frozen ")):
        tb = tb.tb_next
    return "".join(traceback.format_exception(et, ev, tb))


def _lower_headers(headers):
    """A response's headers as a client reads them: lower-case names, repeated fields joined with ", "."""
    out = {}
    for k, v in (headers or {}).items():
        values = v if isinstance(v, (list, tuple)) else [v]
        for one in values:
            k2 = str(k).lower()
            one = one if isinstance(one, str) else str(one)
            out[k2] = one if k2 not in out else out[k2] + ", " + one
    return out


def _copy_response(r):
    return _http.Response._received(r.status, _lower_headers(r.headers), r.body)


def _resolve(base, path):
    """The URL a call goes to, joined as the client does (UrlResolver): an http(s) URL as it is,
    anything else appended to base_url without its trailing slashes; dot segments removed."""
    low = path.lower()
    if low.startswith("http://") or low.startswith("https://"):
        url = path
    else:
        if base is None:
            raise ValueError(f'relative URL "{path}" needs a base_url on the client; '
                             'give an absolute http:// or https:// URL')
        url = base.rstrip("/") + path
    u = urlsplit(url)
    return u._replace(path=_remove_dot_segments(u.path), fragment="").geturl()


def _remove_dot_segments(p):
    out = []
    segs = p.split("/")
    for i, s in enumerate(segs):
        if s == ".":
            if i == len(segs) - 1:
                out.append("")
        elif s == "..":
            if len(out) > 1:
                out.pop()
            if i == len(segs) - 1:
                out.append("")
        else:
            out.append(s)
    return "/".join(out)


def _origin(url):
    u = urlsplit(url)
    scheme = u.scheme.lower()
    port = u.port or (443 if scheme == "https" else 80)
    return scheme, (u.hostname or "").lower(), port


class _Outbound:
    """The answers to a script's http.Client calls: canned (queue, per path, default) or the network."""

    def __init__(self, sdk=False):
        self.sdk = sdk
        self.sent_requests = []
        self.unexpected_requests = []
        self.reported = []  # unexpected calls request() already raised UnexpectedRequest for
        self.queue = deque()
        self.per_path = {}
        self.default = None
        self.pass_prefixes = []
        self.clear()

    def clear(self):
        self.sent_requests.clear()
        self.unexpected_requests.clear()
        self.reported.clear()
        self.queue.clear()
        self.per_path.clear()
        # the SDK's mock answers an uncanned call with an empty 200
        self.default = _http.Response(200) if self.sdk else None

    async def call(self, client, method, path, headers, body, upload=None, stream=False):
        if upload is not None:
            # the engine's harness reads a streamed upload whole, then answers (sent_requests holds all of it)
            body = await _read_upload(upload)
        settings = client._settings
        base = client.base_url if client.name is None else settings.get("base_url")
        if self.sdk and base is None and not path.lower().startswith(("http://", "https://")):
            url = path  # the SDK's mock: a path without base_url is its own URL
        else:
            url = _resolve(base, path)
            if base is not None and not settings.get("allow_other_origins") and _origin(url) != _origin(base):
                raise _http.OriginNotAllowedError(
                    f"{url} is not on the origin of base_url {base} (allow_other_origins is off); nothing was sent")
        self.sent_requests.append({"method": method, "path": path, "url": url, "name": client.name,
                                   "base_url": base, "headers": dict(headers), "body": body or b""})
        if any(p is None or url.startswith(p) for p in self.pass_prefixes):
            r = await asyncio.get_running_loop().run_in_executor(
                None, _network_call, method, url, headers, body, settings)
            return _as_stream(r) if stream else r
        if self.queue:
            answer = self.queue.popleft()
        elif path in self.per_path:
            answer = self.per_path[path]
        elif url in self.per_path:
            answer = self.per_path[url]
        elif self.default is not None:
            answer = self.default
        else:
            what = f"{method} {url}"
            self.unexpected_requests.append(what)
            # what the script sees, as in the engine; request() then raises UnexpectedRequest in the test
            raise _http.ClientError(f"no canned response for {what} (add_response, set_response or "
                                    "set_default_response, or pass_through)")
        if isinstance(answer, BaseException) or (isinstance(answer, type) and issubclass(answer, BaseException)):
            raise answer
        r = _copy_response(answer)
        return _as_stream(r) if stream else r


async def _read_upload(upload):
    """An upload's iterator read to its end; what it raises fails the call as in the engine."""
    parts = []
    try:
        if hasattr(upload, "__aiter__"):
            async for chunk in upload:
                parts.append(_chunk_bytes(chunk, "the request body"))
        else:
            for chunk in upload:
                parts.append(_chunk_bytes(chunk, "the request body"))
    except asyncio.CancelledError:
        raise
    except Exception as e:
        raise _http.ClientError(f"the request body's iterator raised {type(e).__name__}: {e}") from e
    return b"".join(parts)


def _chunk_bytes(chunk, what=None):
    if chunk.__class__ is bytes:
        return chunk
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        return bytes(chunk)
    # the runtime's words, for a response's iterator and an upload's alike
    raise TypeError(f"a StreamingResponse body yielded {type(chunk).__name__}; it must yield bytes or str")


async def _body_items(it):
    """The items of a StreamingResponse's (async) iterator as non-empty bytes, as the engine sends
    them (str as UTF-8; anything else: TypeError); the iterator is closed however this ends."""
    aiter = hasattr(it, "__aiter__")
    src = it.__aiter__() if aiter else iter(it)
    try:
        while True:
            try:
                chunk = (await src.__anext__()) if aiter else next(src)
            except (StopAsyncIteration, StopIteration):
                return
            chunk = _chunk_bytes(chunk)
            if chunk:
                yield chunk
    finally:
        await _close_iterator(src)


def _as_stream(r):
    """A whole response as a ``stream=True`` call returns it: its body a stream of one chunk."""
    return _http.Response._received_stream(r.status, r.headers, _one_chunk(r._body))


async def _one_chunk(b):
    if b:
        yield b


async def _close_iterator(it):
    """Closes a StreamingResponse's iterator (its ``finally`` runs), as the engine does when the client leaves."""
    closer = getattr(it, "aclose", None) if hasattr(it, "__aiter__") else getattr(it, "close", None)
    if closer is None:
        return
    try:
        r = closer()
        if inspect.isawaitable(r):
            await r
    except Exception:
        pass


class _Pending:
    """A StreamingResponse's body, not read yet: its iterator, the handler's name, the declared length."""

    def __init__(self, it, who, declared):
        self.it, self.who, self.declared = it, who, declared


def _declared_length(headers):
    """The content-length a streaming response's script gave (-1: none); a bad one: ValueError."""
    for k, v in (headers or {}).items():
        if str(k).lower() == "content-length":
            t = (v if isinstance(v, str) else str(v)).strip()
            if not t or len(t) > 18 or not t.isdigit() or not t.isascii():
                raise ValueError(f"invalid content-length for a streaming response: {v}")
            return int(t)
    return -1


def _cut(what, why):
    return HarnessError(f"{what}: {why.rstrip()}\n(a client sees the body cut short: the connection closes "
                        "before its end)")


def _network_call(method, url, headers, body, settings):
    """One real request with urllib (pass_through); errors mapped onto the http.Client error types."""
    import http.client
    import socket
    import ssl
    import urllib.error
    import urllib.request

    handlers = []
    if not settings.get("follow_redirects", True):
        class _NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **kw):
                return None
        handlers.append(_NoRedirect())
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    timeout = settings.get("timeout_ms", 5000) / 1000
    try:
        try:
            r = opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as e:
            r = e
        with r:
            status = r.status if hasattr(r, "status") else r.code
            data = r.read(settings.get("max_response_bytes", 64 << 20) + 1)
            if len(data) > settings.get("max_response_bytes", 64 << 20):
                raise _http.ResponseTooLargeError(f"{method} {url}: the response body passed max_response_bytes")
            h = {}
            for k, v in r.headers.items():
                k = k.lower()
                h[k] = v if k not in h else h[k] + ", " + v
        return _http.Response._received(status, h, data)
    except _http.ClientError:
        raise
    except (socket.timeout, TimeoutError) as e:
        raise _http.TimeoutError(f"{method} {url}: no complete response within {timeout:g} s") from e
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, ssl.SSLError):
            raise _http.TLSError(f"{method} {url}: {reason}") from e
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise _http.ConnectTimeoutError(f"{method} {url}: the connection did not open in time") from e
        raise _http.ConnectError(f"{method} {url}: {reason}") from e
    except ssl.SSLError as e:
        raise _http.TLSError(f"{method} {url}: {e}") from e
    except (http.client.HTTPException, ConnectionError) as e:
        raise _http.ConnectionClosedError(f"{method} {url}: {e}") from e


class _Log:
    """What the script logged: ``messages`` as (level, message), level "debug", "info", "warn" or "error"."""

    @property
    def messages(self):
        return _log._messages

    def clear(self):
        del _log._messages[:]


class _Cache:
    """The caches the script sees (the ``siphon.cache`` calls), plus ``set_data`` and ``clear``."""

    fetch = staticmethod(_cache.fetch)
    store = staticmethod(_cache.store)
    exists = staticmethod(_cache.exists)
    delete = staticmethod(_cache.delete)
    expire = staticmethod(_cache.expire)
    incr = staticmethod(_cache.incr)
    keys = staticmethod(_cache.keys)
    has_cache = staticmethod(_cache.has_cache)
    list_push = staticmethod(_cache.list_push)
    list_pop_all = staticmethod(_cache.list_pop_all)
    list_len = staticmethod(_cache.list_len)
    list_len_sum = staticmethod(_cache.list_len_sum)

    def set_data(self, name, data=None):
        """Makes ``name`` a cache holding exactly ``data`` ({key: value}; values as ``store`` takes them)."""
        if not isinstance(name, str):
            raise TypeError(f"cache name must be str, not {type(name).__name__}")
        entries = {}
        for k, v in (data or {}).items():
            _cache._check(name, k)
            entries[k] = [_cache._check_value(v), False, 0]
        if _cache._declared is not None and name not in _cache._declared:
            _cache._declared.append(name)
        _cache._caches[name] = entries

    def clear(self):
        """Empties every cache (the declared names stay caches)."""
        _cache._caches.clear()


class _Metrics:
    """Reads what the script's metrics recorded (docs/testing.md)."""

    def _family(self, name):
        f = _metrics._families.get(name)
        if f is None and name.endswith("_total"):
            f = _metrics._families.get(name[:-len("_total")])
        if f is None:
            raise KeyError(f"no metric {name!r} (registered: {', '.join(sorted(_metrics._families)) or 'none'})")
        return f

    def _key(self, f, labels):
        if set(labels) != set(f.labels):
            raise KeyError(f"{f.name} has labels {list(f.labels)}, given {sorted(labels)}")
        return tuple(str(labels[n]) for n in f.labels)

    def names(self):
        """The registered metrics' names (a counter's without ``_total``), sorted."""
        return sorted(_metrics._families)

    def value(self, name, **labels):
        """A counter's or gauge's value for these labels (0.0 when never touched)."""
        f = self._family(name)
        if f.kind == "histogram":
            raise TypeError(f"{name} is a histogram: read observations({name!r}, ...)")
        return f.series.get(self._key(f, labels), 0.0)

    def observations(self, name, **labels):
        """A histogram's observed values for these labels, in order ([] when none)."""
        f = self._family(name)
        if f.kind != "histogram":
            raise TypeError(f"{name} is a {f.kind}: read value({name!r}, ...)")
        return list(f.series.get(self._key(f, labels), []))

    def count(self, name, **labels):
        """How many values a histogram observed for these labels."""
        return len(self.observations(name, **labels))

    def sum(self, name, **labels):
        """The sum of the values a histogram observed for these labels."""
        return float(sum(self.observations(name, **labels)))

    def clear(self):
        """Forgets the recorded values (the metrics stay registered)."""
        for f in _metrics._families.values():
            f.series.clear()


def _set_headers_from(body, headers):
    if isinstance(body, (dict, list)):
        if "content-type" not in headers:
            headers["content-type"] = "application/json"
        return json.dumps(body).encode("utf-8")
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    raise TypeError(f"request body must be bytes, str, a dict or list (JSON) or None, not {type(body).__name__}")


def _client_address(client):
    """``client`` as the engine gives it to the script (``req.client``): "ip:port", an IPv6 address as
    "[a:b:0:0:0:0:0:c]:port" (Java's form: every group, no "::"), an IPv4-mapped one as IPv4, the port
    0 when none is given; anything but an IP address raises ValueError."""
    if not isinstance(client, str):
        raise TypeError(f"client must be a str, ip:port, not {type(client).__name__}")
    host, sep, port = client.rpartition(":")
    if not sep:
        host, port = client, "0"
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        p = int(port)
        if not 0 <= p <= 65535:
            raise ValueError(port)
        ip = ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone is not part of req.client
    except ValueError:
        raise ValueError(f"client must be an IP address and port, ip:port, was {client}") from None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address):
        return "[" + ":".join(f"{int(g, 16):x}" for g in ip.exploded.split(":")) + f"]:{p}"
    return f"{ip}:{p}"


def _request_id(given):
    if given and len(given) <= 128 and all("\x21" <= c <= "\x7e" for c in given):
        return given
    _request_id.n += 1
    return f"{_request_id.prefix}{_request_id.n:x}"


_request_id.prefix = f"{random.getrandbits(64):016x}-"
_request_id.n = 0


class StreamedResponse:
    """A response read as it comes (``HttpTestHarness.stream()``): ``status``, ``headers`` (a
    StreamingResponse's as written: its content-length, else ``transfer-encoding: chunked``),
    ``next_chunk()``, ``read()``, ``close()``. A whole response's body comes as one chunk."""

    def __init__(self, harness, what, status, headers, pending):
        self._h = harness
        self._what = what
        self.status = status
        self.headers = headers
        self._pending = pending
        self._items = _body_items(pending.it)
        self._done = False
        self._count = 0
        if pending.who is not None:
            if pending.declared >= 0:
                headers["content-length"] = str(pending.declared)
            else:
                headers["transfer-encoding"] = "chunked"

    def next_chunk(self, timeout=5.0):
        """The next chunk of the body (bytes), or None at its end. A chunk is one item of the
        script's iterator (empty ones are not sent). Waits up to ``timeout`` seconds for it
        (TimeoutError past that); a body that fails: HarnessError, as ``request()`` raises."""
        if self._done:
            return None

        async def step():
            try:
                return await asyncio.wait_for(self._items.__anext__(), timeout), None
            except StopAsyncIteration:
                return None, None
            except (asyncio.TimeoutError, asyncio.CancelledError):
                raise
            except Exception:
                return None, _script_traceback()

        try:
            chunk, tb = self._h._run(step())
        except asyncio.TimeoutError:
            self._done = True
            raise TimeoutError(f"{self._what}: no chunk of the body within {timeout:g} s") from None
        if tb is not None:
            self._done = True
            raise _cut(self._what, f"the streaming body of {self._pending.who} failed:\n{tb}")
        if chunk is None:
            self._done = True
            d = self._pending.declared
            if d >= 0 and self._count != d:
                raise _cut(self._what, f"the streaming response's body is {self._count} bytes, its content-length "
                                       f"says {d}")
            return None
        self._count += len(chunk)
        return chunk

    def read(self, timeout=5.0):
        """The rest of the body, to its end (each chunk within ``timeout`` seconds)."""
        parts = []
        while (chunk := self.next_chunk(timeout)) is not None:
            parts.append(chunk)
        return b"".join(parts)

    def close(self):
        """The client leaves: the script's iterator is closed (its ``finally`` runs) unless it ended."""
        if not self._done:
            self._done = True
            if not self._h._closed:
                self._h._run(self._items.aclose())

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        self.close()
        return False


class HttpTestHarness:
    """Loads a script and answers its requests as siphon-http does (docs/testing.md).

    ``config``: what the script's http.yaml / siphon.yaml would declare: ``{"clients": {name:
    {base_url: ..., ...}}, "caches": [names]}``. Without ``caches`` every name is a cache.
    One harness is active at a time: making one forgets the previous one's script.
    """

    _sdk = False  # siphon_sdk.http_testing's subclass keeps the SDK's answers where they differ

    def __init__(self, config=None):
        config = {} if config is None else config
        if not isinstance(config, dict):
            raise TypeError(f"config must be a dict, not {type(config).__name__}")
        unknown = [k for k in config if k not in ("clients", "caches")]
        if unknown:
            raise ValueError(f"config: unknown key(s) {', '.join(map(repr, unknown))} (known: 'clients', 'caches')")
        clients = config.get("clients")
        if clients is not None:
            if not isinstance(clients, dict):
                raise TypeError("config['clients'] must be a dict {name: {base_url: ..., ...}}")
            for name, settings in clients.items():
                bad = [k for k in (settings or {}) if k not in _http._CLIENT_SETTINGS]
                if bad:
                    raise ValueError(f"config: clients.{name}: unknown key(s) {', '.join(bad)} "
                                     f"(known: {', '.join(_http._CLIENT_SETTINGS)})")
                _http._settings(dict(settings or {}))  # the engine refuses to start on a bad one
        caches = config.get("caches")
        if caches is not None and (isinstance(caches, str) or not all(isinstance(c, str) for c in caches)):
            raise TypeError("config['caches'] must be a list of cache names")
        self._config = config
        self._closed = False
        self._reset_namespaces(clients, caches)
        self._out = self._outbound()
        _http._client_call = self._out.call
        self._loop = asyncio.new_event_loop()
        self._router = None
        self._routed = -1
        self._streams = []  # what stream() returned: closed with the harness
        self.log = _Log()
        self.cache = _Cache()
        self.metrics = _Metrics()

    def _reset_namespaces(self, clients, caches):
        _http._reset()
        _http._named_clients = dict(clients) if clients is not None else (None if self._sdk else {})
        _cache._reset(caches)
        del _log._messages[:]
        _metrics._reset()
        _timer._reset()

    def _outbound(self):
        return _Outbound(sdk=self._sdk)

    # -- the script ------------------------------------------------------------------------

    def load_script(self, path):
        """Imports the script at ``path`` (its directory goes on sys.path, as in siphon-http)."""
        path = os.path.abspath(os.fspath(path))
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Script not found: {path}")
        d = os.path.dirname(path)
        if d not in sys.path:
            sys.path.insert(0, d)
        name = os.path.splitext(os.path.basename(path))[0]
        if name in sys.stdlib_module_names or (name in sys.modules and not getattr(
                sys.modules[name], "__siphon_script__", False)):
            name = "__siphon_script__"
        with open(path, encoding="utf-8") as f:
            source = f.read()
        self._exec(source, path, name)

    def load_source(self, source, name="<test>"):
        """Runs ``source`` as the script (``name`` is its file name in tracebacks)."""
        self._exec(source, name, "__siphon_script__")

    def _exec(self, source, filename, module_name):
        import types
        mod = types.ModuleType(module_name)
        mod.__file__ = filename
        mod.__siphon_script__ = True
        previous = sys.modules.get(module_name)
        sys.modules[module_name] = mod
        try:
            code = compile(source, filename, "exec")
            exec(code, mod.__dict__)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            tb = _script_traceback()
            if previous is not None:
                sys.modules[module_name] = previous
            else:
                sys.modules.pop(module_name, None)
            raise HarnessError(f"the script {filename} raised while loading:\n{tb}") from None
        self._build_router()

    def _build_router(self):
        r = _router.Router()
        try:
            for i, (pattern, methods, fn) in enumerate(_http._routes):
                r.add(methods, pattern, (fn, _http._stream_routes.get(i)))
        except _router.RouteError as e:
            raise HarnessError(f"the engine would refuse the script's routes: {e}") from None
        self._router = r
        self._routed = len(_http._routes)

    def _run(self, awaitable):
        return self._loop.run_until_complete(awaitable)

    def _run_hooks(self, hooks, what="hook"):
        for fn in list(hooks):
            self._call_script(fn, (), f"{what} {_name(fn)}")

    def _call_script(self, fn, args, what):
        """Runs a hook, job or timer handler to completion; what it raises is a HarnessError with its
        traceback (as in the engine, where it ran in a worker), or itself in the SDK's harness."""
        try:
            r = fn(*args)
            if inspect.isawaitable(r):
                self._run(_await(r))
        except Exception as e:
            if self._sdk:
                raise
            raise HarnessError(f"{what} raised:\n{traceback.format_exc().rstrip()}") from e

    def run_startup(self):
        """Runs every @http.on_startup hook to completion, in order; one that raises: HarnessError with its traceback."""
        self._run_hooks(_http._startup, "@http.on_startup hook")

    def run_shutdown(self):
        """Runs every @http.on_shutdown hook to completion, in order; one that raises: HarnessError with its traceback."""
        self._run_hooks(_http._shutdown, "@http.on_shutdown hook")

    # -- requests --------------------------------------------------------------------------

    def request(self, method="GET", path="/", *, headers=None, query_params=None, body=None,
                client="127.0.0.1:0", tls=None, client_cert=None):
        """Sends one request through the engine's rules and the script; returns an http.Response.

        A StreamingResponse is read to its end (its iterator must end); one that fails or whose
        length differs from the content-length its script gave raises HarnessError, as a client
        would see its body cut short."""
        what = f"{method} {path}"
        status, out_headers, out_body, before = self._exchange(method, path, headers, query_params, body, client,
                                                               tls, client_cert)
        if isinstance(out_body, _Pending):
            out_body = self._collect(what, out_body)
            out_headers["content-length"] = str(len(out_body))
        self._check_unexpected(before)
        return _http.Response._received(status, out_headers, out_body)

    def stream(self, method="GET", path="/", *, headers=None, query_params=None, body=None,
               client="127.0.0.1:0", tls=None, client_cert=None):
        """Sends one request as ``request()`` does, and returns at the response's head: a
        ``StreamedResponse`` whose body the test reads a chunk at a time (``next_chunk()``), as a
        client reads a StreamingResponse (server-sent events), and closes (``close()``: the
        iterator is closed, as when a client leaves). Other requests may go meanwhile."""
        what = f"{method} {path}"
        status, out_headers, out_body, before = self._exchange(method, path, headers, query_params, body, client,
                                                               tls, client_cert)
        self._check_unexpected(before)
        if not isinstance(out_body, _Pending):
            out_body = _Pending(_one_chunk(out_body), None, -1)
        s = StreamedResponse(self, what, status, out_headers, out_body)
        self._streams.append(s)
        return s

    def _exchange(self, method, path, headers, query_params, body, client, tls, client_cert):
        if not isinstance(method, str) or not method:
            raise TypeError(f"method must be a non-empty str, not {method!r}")
        if self._sdk:
            method = method.upper()
        if not isinstance(path, str):
            raise TypeError(f"path must be a str, not {type(path).__name__}")
        raw_path, _, raw_query = path.partition("?")
        raw_path = quote(raw_path, safe=_PATH_SAFE)
        raw_query = quote(raw_query, safe=_QUERY_SAFE)
        if query_params:
            extra = urlencode({str(k): str(v) for k, v in query_params.items()})
            raw_query = raw_query + "&" + extra if raw_query else extra
        hdrs = {}
        for k, v in (headers or {}).items():
            k = str(k).lower()
            v = v if isinstance(v, str) else str(v)
            hdrs[k] = v if k not in hdrs else hdrs[k] + ", " + v
        data = _set_headers_from(body, hdrs)
        if self._sdk:
            if data and "content-length" not in hdrs:
                hdrs["content-length"] = str(len(data))
        else:
            # as the request reaches the engine: the body's own length (a given one is not sent), and
            # content-length: 0 on a POST, PUT or PATCH without one; host: localhost unless given
            hdrs.pop("content-length", None)
            hdrs.pop("transfer-encoding", None)
            hdrs.setdefault("host", "localhost")
            if data or method in ("POST", "PUT", "PATCH"):
                hdrs["content-length"] = str(len(data))
        if not self._sdk:
            client = _client_address(client)
        rid = _request_id(hdrs.get("x-request-id"))
        before = len(self._out.unexpected_requests)
        status, out_headers, out_body = self._serve(method, raw_path, raw_query, hdrs, data, client,
                                                    self._tls(tls, client_cert), rid)
        if "x-request-id" not in out_headers:
            out_headers["x-request-id"] = rid
        if isinstance(out_body, _Pending):
            if method == "HEAD" or status in (204, 304):
                # the engine writes the head and closes the iterator unread: the length the script
                # declared, else chunked framing (none for 204 and 304)
                self._run(_close_iterator(out_body.it))
                if status not in (204, 304):
                    if out_body.declared >= 0:
                        out_headers["content-length"] = str(out_body.declared)
                    else:
                        out_headers["transfer-encoding"] = "chunked"
                out_body = b""
        elif status in (204, 304):
            out_body = b""
        else:
            out_headers["content-length"] = str(len(out_body))
        if method == "HEAD" and not isinstance(out_body, _Pending):
            out_body = b""
        return status, out_headers, out_body, before

    def _check_unexpected(self, before):
        new = self._out.unexpected_requests[before:]
        if new and not self._sdk:
            # the test fails here, naming the calls (the script saw http.ClientError and answered)
            self._out.reported += new
            del self._out.unexpected_requests[before:]
            raise UnexpectedRequest("no canned response for " + "; ".join(new)
                                    + " (add_response, set_response, set_default_response or pass_through)")

    def _collect(self, what, pending):
        """A StreamingResponse's body read whole; HarnessError where a client would see it cut short."""
        async def read():
            parts = []
            try:
                async for chunk in _body_items(pending.it):
                    parts.append(chunk)
            except asyncio.CancelledError:
                raise
            except Exception:
                return None, _script_traceback()
            return b"".join(parts), None

        data, tb = self._run(read())
        if data is None:
            raise _cut(what, f"the streaming body of {pending.who} failed:\n{tb}")
        if pending.declared >= 0 and len(data) != pending.declared:
            raise _cut(what, f"the streaming response's body is {len(data)} bytes, its content-length says "
                             f"{pending.declared}")
        return data

    @staticmethod
    def _tls(tls, client_cert):
        if tls is None and client_cert is None:
            return None
        t = dict(tls or {})
        unknown = [k for k in t if k not in ("protocol", "cipher_suite", "alpn", "server_name")]
        if unknown:
            raise TypeError(f"tls: unknown key(s) {', '.join(unknown)} (protocol, cipher_suite, alpn, server_name)")
        cert = None
        if client_cert is not None:
            c = dict(client_cert)
            cert = _http.ClientCert(c.get("subject", ""), c.get("issuer", ""), c.get("sans", ()))
        return _http.TlsInfo(t.get("protocol", "TLSv1.3"), t.get("cipher_suite", "TLS_AES_128_GCM_SHA256"),
                             t.get("alpn"), t.get("server_name"), cert)

    def _match(self, method, raw_path):
        if self._router is None or self._routed != len(_http._routes):
            self._build_router()
        m = self._router.match(method, raw_path)
        if self._sdk and m[0] == "method_not_allowed":
            return ("not_found",)  # the SDK's harness: a route without the method does not match
        return m

    def _serve(self, method, raw_path, raw_query, headers, body, client, tls, rid):
        m = self._match(method, raw_path)
        if m[0] == "bad_path":
            return _engine_answer(400)
        if m[0] in ("not_found", "method_not_allowed"):
            answer = _engine_answer(404) if m[0] == "not_found" else _engine_answer(405, {"allow": m[1]})
            if not _http._unmatched or self._sdk:
                return answer
            # the script's @http.middleware(unmatched=True), ending at the engine's answer; no body kept
            req = _http.Request(method, raw_path, {}, headers, _router.parse_query(raw_query), client, b"", tls,
                                raw_query, rid)

            def engine(_req):
                return _http.Response(answer[0], dict(answer[1]), answer[2])
            engine.__qualname__ = "the engine's answer"
            r = self._run(self._chain(req, engine, list(_http._unmatched)))
        else:
            (handler, cap), params = m[1], m[2]
            if cap is not None and cap >= 0 and len(body) > cap:
                # past a stream=True route's max_body_bytes: the engine answers before reading the body,
                # and closes the connection after it
                return _engine_answer(413, {"connection": "close"})
            req = _http.Request(method, raw_path, params, headers, _router.parse_query(raw_query), client, body, tls,
                                raw_query, rid)
            if cap is not None:
                req._stream = _http._STREAM_ROUTE
            r = self._run(self._chain(req, handler))
        if r is None:
            return _engine_answer(500)
        return self._written(r, req, _name(handler) if m[0] == "found" else "the unmatched middleware")

    async def _chain(self, req, handler, middleware=None):
        """The middleware in registration order, then the handler, as the engine runs them: a
        (req) guard's Response answers at once; a (req, call_next) middleware gets the rest of
        the chain as call_next and returns the Response to send. None: answered 500."""
        chain = [(m, _name(m), _http._wraps(m)) for m in list(_http._middleware if middleware is None else middleware)]
        hname = _name(handler)
        running = [hname]

        class Failed(Exception):
            def __init__(self, who, detail):
                super().__init__(detail)
                self.who = who

        class Next:
            def __init__(self, coro, who):
                self._coro, self._who = coro, who

            def __await__(self):
                return self._coro.__await__()

            def __getattr__(self, name):
                self._coro.close()
                raise TypeError(f"middleware {self._who}: call_next(req) gives an awaitable, not the Response; "
                                f"write resp = await call_next(req) in an async def middleware")

        async def rest(i, r, caller):
            try:
                return await run(i, r)
            finally:
                running[0] = caller

        async def run(i, req):
            while i < len(chain):
                m, who, wraps = chain[i]
                running[0] = who
                if wraps:
                    def call_next(r, _i=i + 1, _who=who):
                        if not isinstance(r, _http.Request):
                            raise TypeError(f"middleware {_who}: call_next takes the request, not {type(r).__name__}")
                        return Next(rest(_i, r, _who), _who)
                    r = m(req, call_next)
                    if isinstance(r, Next) or inspect.isawaitable(r):
                        r = await r
                    if not isinstance(r, _http.Response):
                        raise Failed(who, f"middleware {who} returned {type(r).__name__}; a (req, call_next) "
                                          "middleware must return an http.Response")
                    return r
                r = m(req)
                if inspect.isawaitable(r):
                    r = await r
                if r is None:
                    i += 1
                    continue
                if isinstance(r, _http.Response):
                    return r
                raise Failed(who, f"middleware {who} returned {type(r).__name__}; it must return an "
                                  "http.Response or None")
            running[0] = hname
            r = handler(req)
            if inspect.isawaitable(r):
                r = await r
            if not isinstance(r, _http.Response):
                raise Failed(hname, f"{hname} returned {'None' if r is None else type(r).__name__}; "
                                    "a handler must return an http.Response")
            return r

        try:
            return await run(0, req)
        except KeyboardInterrupt:
            raise
        except Failed as e:
            self._failed(e.who, req, str(e))
        except BaseException:
            self._failed(running[0], req, _script_traceback())
        return None

    def _failed(self, who, req, detail):
        print(f"siphon_testing: {who} failed on {req.method} {req.path}: answered 500\n{detail.rstrip()}",
              file=sys.stderr)

    def _written(self, r, req, who):
        """The script's response as the engine writes it; 500 where the engine could not. A
        StreamingResponse's body is left to read (a _Pending)."""
        s = r.status
        if s.__class__ is not int or s < 200 or s > 599:
            self._failed("handler", req, f"answered with status {s!r}; a response status must be an int "
                                         "from 200 to 599")
            return _engine_answer(500)
        out = {}
        for k, v in (r.headers or {}).items():
            k = k if isinstance(k, str) else str(k)
            values = v if isinstance(v, (list, tuple)) else [v]
            for one in values:
                one = one if isinstance(one, str) else str(one)
                if not _router.valid_field_name(k) or not _router.valid_field_value(one):
                    self._failed("handler", req, f"the response has an invalid header: {k!r}: {one!r}")
                    return _engine_answer(500)
                name = k.lower()
                if name in _FRAMING:
                    continue
                out[name] = one if name not in out else out[name] + ", " + one
        if isinstance(r, _http.StreamingResponse):
            try:
                declared = _declared_length(r.headers)
            except ValueError as e:
                self._failed("handler", req, str(e))
                self._run(_close_iterator(r.body_iterator))
                return _engine_answer(500)
            return s, out, _Pending(r.body_iterator, who, declared)
        return s, out, r.body

    # -- outbound calls --------------------------------------------------------------------

    def add_response(self, response):
        """Queues an answer (an http.Response, or an exception to raise) for the next outbound call."""
        self._out.queue.append(response)

    def set_response(self, path, response):
        """The answer for outbound calls to ``path`` (as the script passes it, or the absolute URL)."""
        self._out.per_path[path] = response

    def set_default_response(self, response):
        """The answer for outbound calls nothing else answers."""
        self._out.default = response

    def pass_through(self, prefix=None):
        """Outbound calls whose URL starts with ``prefix`` (every call when None) go to the real network."""
        self._out.pass_prefixes.append(prefix)

    @property
    def sent_requests(self):
        """One dict per outbound call, in order: method, path, url, name, base_url, headers, body."""
        return self._out.sent_requests

    @property
    def pending_responses(self):
        """The queued (add_response) answers not used yet."""
        return list(self._out.queue)

    @property
    def unexpected_requests(self):
        """The outbound calls no canned response answered, as "METHOD URL" (request() raised for those it made)."""
        return self._out.reported + self._out.unexpected_requests

    def assert_no_unexpected(self):
        """Raises UnexpectedRequest naming the outbound calls no canned response answered (then forgets them)."""
        if self._out.unexpected_requests:
            calls = list(self._out.unexpected_requests)
            self._out.unexpected_requests.clear()
            raise UnexpectedRequest("no canned response for " + "; ".join(calls))

    # -- timers ----------------------------------------------------------------------------

    @property
    def timers(self):
        """The @timer.every jobs: {name: (period seconds, jitter seconds)}."""
        return {n: (p, j) for n, (fn, p, j) in _timer._jobs.items()}

    @property
    def armed_timers(self):
        """The timer.set timers armed now: {key: delay_ms}."""
        return {k: d for k, (h, d) in _timer._one_shots.items()}

    def run_timer(self, name):
        """Runs the @timer.every job ``name`` once, to completion; one that raises: HarnessError with its traceback."""
        job = _timer._jobs.get(name)
        if job is None:
            raise HarnessError(f"no @timer.every job {name!r} (registered: {', '.join(map(repr, _timer._jobs)) or 'none'})")
        self._call_script(job[0], (), f"@timer.every job '{name}'")

    def fire_timer(self, key):
        """Fires the timer.set timer armed under ``key`` now (it is disarmed first, as when it is due)."""
        entry = _timer._one_shots.pop(key, None)
        if entry is None:
            raise HarnessError(f"no timer armed under {key!r} (armed: {', '.join(map(repr, _timer._one_shots)) or 'none'})")
        self._call_script(entry[0], (key,), f"the timer.set handler for '{key}'")

    # -- life cycle ------------------------------------------------------------------------

    def reset(self):
        """Forgets outbound calls, canned answers, log messages, unexpected calls, cache contents and metric
        values; the script and its routes stay."""
        self._out.clear()
        self.log.clear()
        self.cache.clear()
        self.metrics.clear()

    def close(self):
        """Ends the harness; raises UnexpectedRequest if unexpected outbound calls were not asserted."""
        if not self._closed:
            for s in self._streams:
                s.close()  # as clients that leave: the scripts' iterators run their finally
            self._streams.clear()
            self._closed = True
            if _http._client_call == self._out.call:
                _http._client_call = None
            self._loop.close()
        self.assert_no_unexpected()

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        if et is None:
            self.close()
        else:
            try:
                self.close()
            except UnexpectedRequest:
                pass  # the test failed already; that failure is the one to see
        return False


async def _await(awaitable):
    return await awaitable


def _name(fn):
    return (getattr(fn, "__module__", None) or "?") + "." + getattr(fn, "__qualname__", repr(fn))
