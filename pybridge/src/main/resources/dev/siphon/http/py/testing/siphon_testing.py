"""siphon_testing inside the engine (``siphon-http test``): the harness API of docs/testing.md.

The same names and meanings as the CPython package of python/siphon-testing, but each request
goes through the real engine: the script runs in real worker contexts, the request is parsed,
limited, routed, queued and answered as on an HTTP/1.1 connection, without a socket
(dev.siphon.http.py.ScriptHarness). ``_host`` is the runner's Java object, set by its boot.
"""

import json as _json
import os as _os
import tempfile as _tempfile
import types as _types
from urllib.parse import quote as _quote, urlencode as _urlencode

from siphon import http as _http

__all__ = ["HttpTestHarness", "HarnessError", "UnexpectedRequest", "StreamedResponse"]

_host = None      # dev.siphon.http.py.ScriptTestRunner's host object (boot)
_sources = None   # {module name: source} of the siphon package (boot), for harness.cache

# what may stay unescaped in a request-target (RFC 3986 pchar, "/" and "?", and "%" of an escape already made)
_TARGET_SAFE = "/?%:@!$&'()*+,;=-._~"


class HarnessError(Exception):
    """The script could not be loaded or a hook failed; the message holds the script's traceback."""


class UnexpectedRequest(AssertionError):
    """The script made an outbound call that no canned response answers (method and URL named)."""


def _kind_of(exc):
    for kind, cls in _http._ERROR_KINDS.items():
        if type(exc) is cls:
            return kind
    raise TypeError(f"a canned failure is one of the http client errors (http.ConnectError, ...), not "
                    f"{type(exc).__name__}")


def _flat(d):
    out = []
    for k, v in (d or {}).items():
        out.append(str(k))
        out.append(str(v))
    return out


def _cut(what, why):
    return HarnessError(f"{what}: {why.rstrip()}\n(a client sees the body cut short: the connection closes "
                        "before its end)")


def _headers_of(a, n):
    out = {}
    for i in range(1, n - 1, 2):
        k, v = str(a[i]), str(a[i + 1])
        out[k] = out[k] + ", " + v if k in out else v
    return out


class StreamedResponse:
    """A response read as it comes (``HttpTestHarness.stream()``): ``status``, ``headers`` (a
    StreamingResponse's as written: its content-length, else ``transfer-encoding: chunked``),
    ``next_chunk()``, ``read()``, ``close()``. A whole response's body comes as one chunk."""

    def __init__(self, harness, what, status, headers, streamed):
        self._h = harness
        self._what = what
        self.status = status
        self.headers = headers
        self._s = streamed
        self._done = False

    def next_chunk(self, timeout=5.0):
        """The next chunk of the body (bytes), or None at its end; waits up to ``timeout`` seconds
        (TimeoutError past that); a body that fails: HarnessError, as ``request()`` raises."""
        if self._done:
            return None
        a = self._s.next(int(timeout * 1000))
        kind = str(a[0])
        if kind == "chunk":
            return str(a[1]).encode("latin-1")
        self._done = True
        if kind == "end":
            return None
        if kind == "timeout":
            raise TimeoutError(f"{self._what}: no chunk of the body within {timeout:g} s")
        raise _cut(self._what, str(a[1]))

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
            self._s.close()

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        self.close()
        return False


class _Log:
    """What the script logged: ``messages`` is a list of (level, message)."""

    def __init__(self, harness):
        self._h = harness

    @property
    def messages(self):
        a = self._h._j.log()
        return [(str(a[i]), str(a[i + 1])) for i in range(0, len(a), 2)]

    def clear(self):
        self._h._j.clearLog()


def _cache_module(bridge):
    """The runtime's siphon.cache, bound to the harness's caches (calls complete at once, from the test)."""
    m = _types.ModuleType("siphon.cache")
    exec(compile(_sources["siphon.cache"], "siphon/cache.py", "exec"), m.__dict__)
    m._java = _types.SimpleNamespace(bridge=bridge)

    async def _no_wait(call):  # never reached: a test's thread waits in cacheCall itself
        raise RuntimeError("cache call left pending")
    m._rt = _types.SimpleNamespace(cache_wait=_no_wait)
    return m


class _Cache:
    """``harness.cache``: the script's caches, with siphon.cache's calls plus set_data and clear."""

    def __init__(self, harness):
        self._h = harness
        self._m = None

    def _module(self):
        if self._m is None:
            self._m = _cache_module(self._h._j.caches())
        return self._m

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._module(), name)

    def set_data(self, name, data=None):
        """Makes cache ``name`` hold exactly ``data`` ({key: value}; values as ``store`` takes them)."""
        import asyncio
        m = self._module()

        async def put():
            for k in await m.keys(name):
                await m.delete(name, k)
            for k, v in (data or {}).items():
                await m.store(name, k, v)
        asyncio.run(put())

    def clear(self):
        """Empties every cache."""
        import asyncio
        m = self._module()

        async def wipe():
            for name in self._h._j.cacheNames():
                for k in await m.keys(str(name)):
                    await m.delete(str(name), k)
        asyncio.run(wipe())


def _series(text):
    """{(name, frozenset of (label, value)): float} and {family: kind} of a Prometheus text exposition."""
    import re
    values, kinds = {}, {}
    label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in str(text).splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            kinds[name] = kind
            continue
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        name, _, rest = head.partition("{")
        labels = frozenset((k, v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\"))
                           for k, v in label.findall(rest))
        values[(name, labels)] = float(value)
    return values, kinds


class _Metrics:
    """Reads what the script's metrics hold, from the engine's own exposition of them."""

    def __init__(self, harness):
        self._h = harness

    def _read(self):
        return _series(self._h._j.metricsText())

    def names(self):
        """The registered metrics' names (a counter's without ``_total``), sorted."""
        _, kinds = self._read()
        return sorted(n[:-6] if k == "counter" and n.endswith("_total") else n for n, k in kinds.items())

    def _get(self, series, labels, default=0.0):
        values, _ = self._read()
        return values.get((series, frozenset((k, str(v)) for k, v in labels.items())), default)

    def value(self, name, **labels):
        """A counter's or gauge's value for these labels (0.0 when never touched)."""
        values, kinds = self._read()
        base = name[:-6] if name.endswith("_total") else name
        if kinds.get(base) == "histogram":
            raise TypeError(f"{name} is a histogram: read count({name!r}, ...) and sum({name!r}, ...)")
        key = frozenset((k, str(v)) for k, v in labels.items())
        for series in (name, base + "_total", base):
            if (series, key) in values:
                return values[(series, key)]
        return 0.0

    def count(self, name, **labels):
        """How many values a histogram observed for these labels."""
        return int(self._get(name + "_count", labels))

    def sum(self, name, **labels):
        """The sum of the values a histogram observed for these labels."""
        return self._get(name + "_sum", labels)

    def observations(self, name, **labels):
        raise HarnessError("metrics.observations() is the CPython harness's: the engine keeps a histogram's "
                           "buckets, count and sum, not each value (read count() and sum())")

    def clear(self):
        raise HarnessError("metrics.clear() is the CPython harness's: the engine's metrics are not reset "
                           "(start a new HttpTestHarness for fresh ones)")


class HttpTestHarness:
    """A script under test in the real engine: see docs/testing.md."""

    def __init__(self, config=None):
        self._config = dict(config or {})
        self._j = _host.harness()
        self._tmp = None
        self._loaded = False
        self._reported = []
        self.log = _Log(self)
        self.cache = _Cache(self)
        self.metrics = _Metrics(self)

    # -- loading --

    def load_script(self, path):
        path = _os.path.abspath(_os.fspath(path))
        if not _os.path.isfile(path):
            raise FileNotFoundError(f"Script not found: {path}")
        cfg = {k: v for k, v in self._config.items() if k != "caches"}
        err = self._j.load(path, _json.dumps(cfg) if cfg else None, list(self._config.get("caches", [])))
        if err is not None:
            raise HarnessError(str(err))
        self._loaded = True

    def load_source(self, source, name="<test>"):
        if self._tmp is None:
            self._tmp = _tempfile.mkdtemp(prefix="siphon-test-")
        base = "".join(c if c.isalnum() or c == "_" else "_" for c in _os.path.basename(name)) or "script"
        if not base.endswith(".py"):
            base = base.strip("_") + ".py" if base.strip("_") else "script.py"
        path = _os.path.join(self._tmp, base)
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        self.load_script(path)

    def run_startup(self):
        err = self._j.runStartup()
        if err is not None:
            raise HarnessError(str(err))

    def run_shutdown(self):
        self._j.runShutdown()

    # -- requests --

    def request(self, method="GET", path="/", *, headers=None, query_params=None, body=None,
                client="127.0.0.1:0", tls=None, client_cert=None):
        """One request through the engine; a StreamingResponse is read to its end (a body that fails,
        or whose length differs from its content-length: HarnessError)."""
        args = self._args(method, path, headers, query_params, body, client, tls, client_cert)
        a = self._j.request(*args)
        if len(a) == 2 and str(a[0]) == "error":
            raise ValueError(str(a[1]))
        if len(a) == 2 and str(a[0]) == "cut":
            raise _cut(f"{method} {path}", str(a[1]))
        n = len(a)
        resp = _http.Response(int(a[0]), headers=_headers_of(a, n), body=str(a[n - 1]).encode("latin-1"))
        self._check_unexpected()
        return resp

    def stream(self, method="GET", path="/", *, headers=None, query_params=None, body=None,
               client="127.0.0.1:0", tls=None, client_cert=None):
        """One request, returning at the response's head: a StreamedResponse whose body the test
        reads a chunk at a time, as a client reads a StreamingResponse; other requests may go meanwhile."""
        args = self._args(method, path, headers, query_params, body, client, tls, client_cert)
        s = self._j.open(*args)
        if not hasattr(s, "head"):  # {"error", why}
            raise ValueError(str(s[1]))
        a = s.head()
        out = StreamedResponse(self, f"{method} {path}", int(a[0]), _headers_of(a, len(a)), s)
        try:
            self._check_unexpected()
        except UnexpectedRequest:
            out.close()
            raise
        return out

    def _args(self, method, path, headers, query_params, body, client, tls, client_cert):
        if not self._loaded:
            raise HarnessError("no script loaded: call load_script or load_source first")
        method = method.upper()
        target = _quote(path, safe=_TARGET_SAFE)
        if query_params:
            target += ("&" if "?" in target else "?") + _urlencode(query_params)
        h = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = _json.dumps(body)
            if not any(k.lower() == "content-type" for k in h):
                h["content-type"] = "application/json"
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif isinstance(body, (bytearray, memoryview)):
            body = bytes(body)
        t = None
        c = None
        if tls is not None or client_cert is not None:
            tls = dict(tls or {})
            t = [tls.get("protocol", "TLSv1.3"), tls.get("cipher_suite", "TLS_AES_128_GCM_SHA256"),
                 tls.get("alpn"), tls.get("server_name")]
        if client_cert is not None:
            c = [client_cert.get("subject", ""), client_cert.get("issuer", "")] + list(client_cert.get("sans", ()))
        return method, target, _flat(h), None if body is None else body.decode("latin-1"), client, t, c

    def _check_unexpected(self):
        new = [str(u) for u in self._j.unexpected()]
        if new:
            self._reported += new
            self._j.clearUnexpected()
            raise UnexpectedRequest("no canned response for " + "; ".join(new)
                                    + " (add_response, set_response, set_default_response or pass_through)")

    # -- outbound --

    def _answer(self, path, fallback, response):
        if isinstance(response, BaseException):
            self._j.answer(path, fallback, 0, [], "", _kind_of(response), str(response))
            return
        body = response.body
        self._j.answer(path, fallback, response.status, _flat(response.headers), body.decode("latin-1"), None, None)

    def add_response(self, response):
        """Queues the answer of the next outbound call (FIFO); an http client error instance is raised there."""
        self._answer(None, False, response)

    def set_response(self, path, response):
        """The answer of calls to ``path`` (once the queue is empty)."""
        self._answer(path, False, response)

    def set_default_response(self, response):
        """The answer of calls nothing else answers."""
        self._answer(None, True, response)

    def pass_through(self, prefix=None):
        """Calls whose URL starts with ``prefix`` (every call when None) go to the network."""
        self._j.passThrough(prefix)

    @property
    def sent_requests(self):
        out = []
        for a in self._j.sent():
            headers = {str(a[i]): str(a[i + 1]) for i in range(6, len(a), 2)}
            out.append({"method": str(a[0]), "path": str(a[1]), "url": str(a[2]),
                        "name": None if a[3] is None else str(a[3]),
                        "base_url": None if a[4] is None else str(a[4]),
                        "headers": headers, "body": str(a[5]).encode("latin-1")})
        return out

    @property
    def pending_responses(self):
        """The queued (add_response) answers not used yet: responses, and the errors queued to raise."""
        out = []
        for a in self._j.pending():
            if int(a[0]) < 0:
                out.append(_http._ERROR_KINDS[str(a[1])](str(a[2])))
            else:
                headers = {str(a[i]): str(a[i + 1]) for i in range(2, len(a), 2)}
                out.append(_http.Response(int(a[0]), headers=headers, body=str(a[1]).encode("latin-1")))
        return out

    @property
    def unexpected_requests(self):
        """"METHOD URL" of every call no canned response answered (request() raised for those it made)."""
        return self._reported + [str(u) for u in self._j.unexpected()]

    def assert_no_unexpected(self):
        """Raises UnexpectedRequest naming the unanswered calls request() did not raise for (then forgets them)."""
        u = [str(x) for x in self._j.unexpected()]
        if u:
            self._j.clearUnexpected()
            raise UnexpectedRequest("no canned response for " + "; ".join(u))

    # -- timers --

    @property
    def timers(self):
        """The @timer.every jobs: {name: (period seconds, jitter seconds)}."""
        a = self._j.timers()
        return {str(a[i]): (int(a[i + 1]) / 1000, int(a[i + 2]) / 1000) for i in range(0, len(a), 3)}

    @property
    def armed_timers(self):
        """The timer.set timers armed now: {key: delay_ms}."""
        a = self._j.armedTimers()
        return {str(a[i]): int(a[i + 1]) for i in range(0, len(a), 2)}

    def run_timer(self, name):
        """Runs the @timer.every job ``name`` once now, on its worker, to completion."""
        err = self._j.runTimer(name)
        if err is not None:
            raise HarnessError(str(err))

    def fire_timer(self, key):
        """Fires the timer.set timer armed under ``key`` now (it is disarmed, as when it is due), to its end."""
        err = self._j.fireTimer(key)
        if err is not None:
            raise HarnessError(str(err))

    # -- the rest --

    def reset(self):
        self._reported = []
        self._j.resetOutbound()
        self._j.clearLog()
        if self._loaded:
            self.cache.clear()

    def close(self):
        u = [str(x) for x in self._j.unexpected()]
        self._j.close()
        if u:
            self._j.clearUnexpected()
            raise UnexpectedRequest("no canned response for " + "; ".join(u))

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        self.close()
        return False
