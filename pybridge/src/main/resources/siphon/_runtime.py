"""The worker side of siphon-http: one event loop per worker context, fed by Java.

Not part of the script API. Each worker context runs ``serve()`` on its own platform
thread. The loop is an ``asyncio.BaseEventLoop`` whose waiting step (``select``) is a call
into Java (``bridge.poll``) that parks the thread on the worker's queue until an event
arrives or the next timer is due; while parked, Java calls back ``deliver``/``cancel``/...
for each event, and those only schedule work, which the loop then runs.
"""

import sys
import traceback


def _import_asyncio():
    """Imports asyncio without ssl, which it loads only for TLS transports.

    The worker loop has no sockets, so asyncio's TLS transports are never used here, and
    importing ssl costs every worker context a noticeable share of its start-up. ssl stays
    importable: a script that imports it gets the real module.
    """
    if "asyncio" in sys.modules or "ssl" in sys.modules:
        import asyncio
        return asyncio
    sys.modules["ssl"] = None  # `import ssl` raises ImportError; asyncio then sets its ssl to None
    try:
        import asyncio
    finally:
        del sys.modules["ssl"]
    return asyncio


asyncio = _import_asyncio()
from asyncio import base_events, events  # noqa: E402

from siphon import http

bridge = None   # the worker's dev.siphon.http.py.Bridge
loop = None
_routes = []    # route index (as registered with the engine) -> _Route
_tasks = {}     # request id -> asyncio.Task, for requests served by a task
_calls = {}     # outbound call id -> asyncio.Future the calling coroutine awaits
_next_call = 0
_iscoro = asyncio.iscoroutine
_iscorofn = asyncio.iscoroutinefunction
_Request = http.Request
_Response = http.Response
_CancelledError = asyncio.CancelledError


class _JavaSelector:
    """The loop's waiting step: Java parks the worker until an event or the timeout."""

    __slots__ = ()

    def select(self, timeout):
        bridge.poll(-1.0 if timeout is None else float(timeout))
        return ()

    def close(self):
        pass


class WorkerLoop(base_events.BaseEventLoop):
    def __init__(self):
        super().__init__()
        self._selector = _JavaSelector()

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        # call_soon_threadsafe from another Python thread: wake the parked worker
        bridge.wakeup()


def _name(fn):
    mod = getattr(fn, "__module__", None) or "?"
    return mod + "." + getattr(fn, "__qualname__", repr(fn))


class _Route:
    __slots__ = ("fn", "name", "sync")

    def __init__(self, fn, sync):
        self.fn = fn
        self.name = _name(fn)
        self.sync = sync


def install(b):
    global bridge
    bridge = b
    if b.fastJson():
        from siphon import _json
        _json.install_on_import(b)


def load_script(path, module_name):
    """Runs the script as module ``module_name``; returns None, or the error text with traceback."""
    import importlib.util
    import os
    try:
        d = os.path.dirname(os.path.abspath(path))
        if d not in sys.path:
            sys.path.insert(0, d)
        if module_name in sys.modules or module_name in sys.stdlib_module_names:
            module_name = "__siphon_script__"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None:
            return f"cannot load {path}: not a Python source file"
        mod = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = mod
        spec.loader.exec_module(mod)
    except BaseException:
        return _script_traceback()
    return None


def _script_traceback():
    """The current exception's traceback without this module's own frames."""
    et, ev, tb = sys.exc_info()
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(et, ev, tb))


def registrations():
    """Flat description for Java: [pattern, [methods...], handler name, ...], then middleware/hook counts."""
    out = []
    for pattern, methods, fn in http._routes:
        out.append(pattern)
        out.append(list(methods))
        out.append(_name(fn))
    return out


def counts():
    return [len(http._middleware), len(http._startup), len(http._shutdown)]


def prepare():
    """Fixes the dispatch table after loading; creates the loop."""
    global loop
    mw_sync = all(not _iscorofn(m) for m in http._middleware)
    _routes.clear()
    for pattern, methods, fn in http._routes:
        _routes.append(_Route(fn, mw_sync and not _iscorofn(fn)))
    loop = WorkerLoop()
    events.set_event_loop(loop)


def serve():
    """Runs the loop until Java asks it to stop (``stop``). Re-entered after an interrupt."""
    loop._stopping = False
    loop._thread_id = None
    events._set_running_loop(None)
    loop.run_forever()


def stop():
    loop.stop()


def pairs(a):
    d = {}
    n = len(a)
    i = 0
    while i < n:
        d[a[i]] = a[i + 1]
        i += 2
    return d


# --- called by Java from bridge.poll, on the worker thread, with the loop running ---

_UNKNOWN = object()  # a TLS detail not fetched from Java yet


def deliver(rid, index, method, path, params, headers, body_len):
    """A new request: served inline when the handler and all middleware are plain functions.

    ``params`` and ``headers`` are flat Java string arrays (name, value, ...); the body, the
    query and the client are fetched from Java only when the handler asks for them.
    """
    try:
        route = _routes[index]
        req = _Request.__new__(_Request)
        req.method = method
        req.path = path
        req.path_params = pairs(params) if len(params) else {}
        req._rid = rid
        req._hdr = headers
        req._headers = None
        req._query = None
        req._qs = None
        req._client = None
        req._tls = _UNKNOWN
        req._body = None if body_len else b""
        if route.sync:
            _serve_sync(rid, route, req)
        else:
            t = loop.create_task(_serve_async(rid, route, req))
            _tasks[rid] = t
            t.add_done_callback(lambda _t, rid=rid: _tasks.pop(rid, None))
    except BaseException:
        bridge.fail(rid, "siphon runtime", _script_traceback())


def cancel(rid):
    """The request timed out or its client left: cancel its task at its next await."""
    t = _tasks.get(rid)
    if t is not None:
        t.cancel()


def start_hooks():
    loop.create_task(_run_hooks())


async def _run_hooks():
    for fn in list(http._startup):
        try:
            r = fn()
            if _iscoro(r):
                await r
        except BaseException:
            bridge.startupDone(_name(fn), _script_traceback())
            return
    bridge.startupDone(None, None)


_shutdown_task = None


def shutdown_hooks():
    """Starts the on_shutdown hooks on the loop; Java hears of each (``shutdownHook``) and of the end."""
    global _shutdown_task
    _shutdown_task = loop.create_task(_run_shutdown_hooks())


def cancel_shutdown_hooks():
    """engine.shutdown_hooks_timeout_ms passed: cancel the running hook at its await; the rest do not run."""
    if _shutdown_task is not None:
        _shutdown_task.cancel()


async def _run_shutdown_hooks():
    try:
        for fn in list(http._shutdown):
            name = _name(fn)
            bridge.shutdownHook(name)
            try:
                r = fn()
                if _iscoro(r):
                    await r
            except _CancelledError:
                raise
            except BaseException:
                # one hook failing must not keep the others from cleaning up
                bridge.shutdownHookFailed(name, _script_traceback())
    finally:
        bridge.shutdownDone()


def _reply(rid, who, r):
    if r.__class__ is not _Response and not isinstance(r, _Response):
        if r is None:
            bridge.fail(rid, who, f"{who} returned None; a handler must return an http.Response")
        else:
            bridge.fail(rid, who, f"{who} returned {type(r).__name__}; a handler must return an http.Response")
        return
    h = r.headers
    flat = []
    if h:
        for k, v in h.items():
            flat.append(k if isinstance(k, str) else str(k))
            flat.append(v if isinstance(v, str) else str(v))
    bridge.reply(rid, r.status, flat, r._body)


def _middleware_answered(rid, who, r):
    """A middleware's result: None goes on (False); a Response answers; anything else is an error."""
    if r is None:
        return False
    if isinstance(r, _Response):
        _reply(rid, who, r)
    else:
        bridge.fail(rid, who, f"middleware {who} returned {type(r).__name__}; it must return an http.Response or None")
    return True


def _serve_sync(rid, route, req):
    who = route.name
    try:
        for m in http._middleware:
            who = _name(m)
            r = m(req)
            if _middleware_answered(rid, who, r):
                return
        who = route.name
        r = route.fn(req)
        if _iscoro(r):
            # a plain function that returned an awaitable: finish it on the loop
            t = loop.create_task(_finish(rid, who, r))
            _tasks[rid] = t
            t.add_done_callback(lambda _t, rid=rid: _tasks.pop(rid, None))
            return
        _reply(rid, who, r)
    except BaseException:
        bridge.fail(rid, who, _script_traceback())


async def _finish(rid, who, coro):
    try:
        r = await coro
    except _CancelledError:
        bridge.cancelled(rid)
        raise
    except BaseException:
        bridge.fail(rid, who, _script_traceback())
        return
    _reply(rid, who, r)


async def _serve_async(rid, route, req):
    who = route.name
    try:
        for m in http._middleware:
            who = _name(m)
            r = m(req)
            if _iscoro(r):
                r = await r
            if _middleware_answered(rid, who, r):
                return
        who = route.name
        r = route.fn(req)
        if _iscoro(r):
            r = await r
    except _CancelledError:
        bridge.cancelled(rid)
        raise
    except BaseException:
        bridge.fail(rid, who, _script_traceback())
        return
    _reply(rid, who, r)


# --- http.Client: the request runs in Java while the calling coroutine awaits a loop future ---

async def client_call(client, method, url, headers, body):
    """Sends one request on Java client ``client``; the result arrives through ``client_done``/``client_failed``."""
    global _next_call
    if events._get_running_loop() is not loop:
        raise RuntimeError("http.Client requests run on the worker's event loop (in a handler, middleware, "
                           "on_startup or on_shutdown hook), not on another loop or thread")
    _next_call += 1
    cid = _next_call
    fut = loop.create_future()
    err = bridge.clientSend(cid, client, method, url, headers, body)
    if err is not None:
        raise ValueError(str(err))
    _calls[cid] = fut
    try:
        return await fut
    except _CancelledError:
        # the handler was cancelled (request_timeout_ms, client gone): stop the Java request too
        bridge.clientCancel(cid)
        raise
    finally:
        _calls.pop(cid, None)


def client_done(cid, status, headers, body):
    """Called by Java from ``bridge.poll``: call ``cid`` got a response (``body`` as a Latin-1 str)."""
    fut = _calls.get(cid)
    if fut is None or fut.done():
        return
    r = _Response.__new__(_Response)
    r.status = status
    r.headers = pairs(headers)
    r._body = body.encode("latin-1")
    fut.set_result(r)


def client_failed(cid, kind, message):
    """Called by Java from ``bridge.poll``: call ``cid`` failed with the Java exception named ``kind``."""
    fut = _calls.get(cid)
    if fut is None or fut.done():
        return
    fut.set_exception(http._JAVA_ERRORS.get(kind, http.ClientError)(str(message)))
