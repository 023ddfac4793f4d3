"""The worker side of siphon-http: what every request runs, without asyncio. Not script API.

Each worker context runs ``serve()`` on its own platform thread. Its waiting step is a call
into Java (``_java.bridge.poll``) that parks the thread on the worker's queue until an event
arrives; while parked, Java calls back ``deliver``/``cancel``/... for each event.

A request's handler runs at once, inside ``deliver``: a plain function is called, and a
coroutine is driven by hand (``send``) rather than wrapped in an asyncio Task. Most handlers
return without ever waiting (or only await ``cache`` calls, which complete at once), and on
GraalPy, whose asyncio Task and Future are pure Python, a Task costs several times the
handler itself, in time per request and in code the JIT must compile before the server is
fast. A handler that does wait (``http.Client``, ``asyncio.sleep``) is handed to an asyncio
Task at that point (``siphon._aio``), and one that asks for its task first
(``asyncio.current_task``, ``asyncio.timeout``, ``wait_for``, ``TaskGroup``) gets it then.

asyncio itself is imported only when something needs it: the script (or a module it
imports) importing it, a handler or hook that really suspends, or (in a script that made an
``http.Client``) the worker's first idle moment after it starts serving. Until then ``serve`` is a
plain loop around ``_java.bridge.poll``; from then on it is the asyncio loop of ``siphon._aio``,
whose waiting step is the same ``_java.bridge.poll``. A context that never needs asyncio never
pays for importing it.

This module imports ``http`` (never the reverse: ``install`` hands ``http`` the one function
of the runtime it calls, ``client_call``) and reaches Java only through ``siphon._java``.
"""

import sys
import types
from contextvars import copy_context as _copy_context

from siphon import _java, http

loop = None     # the worker's asyncio loop, once asyncio is in use (siphon._aio)
_aio = None     # siphon._aio, once asyncio is in use
_starting_aio = False
_stopping = False
_routes = []    # route index (as registered with the engine) -> _Route
_middleware = ()  # (function, name) of each @http.middleware, in order; fixed by prepare()
_wrapping = None  # (function, name, wraps) of each, when one is a (req, call_next) middleware
_unmatched_chain = ()  # (function, name, wraps) of each @http.middleware(unmatched=True)
_tasks = {}     # request id -> asyncio.Task of a request that suspended
_calls = {}     # outbound call id -> asyncio.Future the calling coroutine awaits
_next_call = 0
_request_from_java = http.Request._from_java
_Response = http.Response
_StreamingResponse = http.StreamingResponse
_coroutine = types.CoroutineType
_NO_HEADERS = ()

# CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR (Include/cpython/code.h): a code
# object with any of these makes an awaitable, not a result
_ASYNC_FLAGS = 0x80 | 0x100 | 0x200


class _NotRaisedYet(BaseException):
    """Stands for asyncio.CancelledError until asyncio is imported (nothing can raise it before)."""


_CancelledError = _NotRaisedYet


def _iscoro(o):
    """asyncio.iscoroutine without asyncio."""
    return o.__class__ is _coroutine or isinstance(o, _Coroutine)


def _plain_function(fn):
    """True only for a function sure to return its result rather than an awaitable.

    Anything else (``async def``, a callable object, a partial, a decorated wrapper) takes
    the coroutine path, which also serves a plain result; only the inline path needs certainty.
    """
    return (fn.__class__ is types.FunctionType and not fn.__code__.co_flags & _ASYNC_FLAGS
            and getattr(fn, "_is_coroutine_marker", None) is None
            and getattr(fn, "_is_coroutine", None) is None)


def _name(fn):
    mod = getattr(fn, "__module__", None) or "?"
    return mod + "." + getattr(fn, "__qualname__", repr(fn))


class _Route:
    """A registered handler as the worker serves it.

    ``sync``: the handler and every middleware are plain functions, served by one call.
    ``chain``: there is middleware, and some of it or the handler is not a plain function:
    the request runs through ``_chain``. Otherwise the handler's own coroutine is driven.
    """

    __slots__ = ("fn", "name", "sync", "chain", "wrapped")

    def __init__(self, fn, sync, chain):
        self.fn = fn
        self.name = _name(fn)
        self.sync = sync
        self.chain = chain
        self.wrapped = None  # with a (req, call_next) middleware: the chain's first step (_steps)


def install():
    """Called once per context by the importer, after it handed the worker's Bridge to ``_java``."""
    global _Coroutine
    http._client_call = client_call
    http._stream_read = stream_read
    http._client_stream_call = client_stream_call
    _install_namespaces()
    import _collections_abc
    _Coroutine = _collections_abc.Coroutine
    if "asyncio" in sys.modules:
        _start_asyncio()
    else:
        on_import("asyncio", _start_asyncio, hide_ssl=True)
    if _java.bridge.fastJson():
        # json.loads through Java's scanner, from when the script first imports json (a context
        # that never does pays nothing)
        from siphon import _json
        if "json" in sys.modules:
            _json.install()
        else:
            on_import("json", _json.install)


def on_import(name, then, hide_ssl=False):
    """Calls ``then()`` right after module ``name`` is first imported (before the importer goes on).

    With ``hide_ssl`` the module is imported with ``ssl`` unavailable, as asyncio is here: it
    loads ssl only for TLS transports, which the worker loop has none of, and ssl costs every
    context a noticeable share of its start-up. ssl stays importable afterwards. The hook stays
    until an import of ``name`` succeeded (an import cut off by an interrupt is tried again).
    """
    import importlib.util

    class _OnImport:
        # a meta path finder; not importlib.abc.MetaPathFinder, whose module pulls in
        # importlib.resources and with it some fifty modules (typing, inspect, tempfile, ...)
        busy = False

        def find_spec(self, fullname, path=None, target=None):
            if fullname != name or self.busy:
                return None
            self.busy = True
            try:
                spec = importlib.util.find_spec(name)
            finally:
                self.busy = False
            if spec is None or spec.loader is None:
                return spec
            run = spec.loader.exec_module
            finder = self

            def exec_module(module):
                hid = hide_ssl and "ssl" not in sys.modules
                if hid:
                    sys.modules["ssl"] = None  # `import ssl` raises ImportError; asyncio sets its ssl to None
                try:
                    run(module)
                finally:
                    if hid:
                        del sys.modules["ssl"]
                then()
                if finder in sys.meta_path:
                    sys.meta_path.remove(finder)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, _OnImport())


def _start_asyncio():
    """Sets up the worker's asyncio loop (siphon._aio); once, when asyncio is first needed.

    Called in the middle of whatever needed it (an import, a handler that suspends), so the
    loop is made the running loop at once; ``serve`` runs it as soon as the current step ends.
    """
    global _aio, loop, _starting_aio, _CancelledError
    if _aio is not None or _starting_aio:
        return
    _starting_aio = True
    try:
        if "asyncio" not in sys.modules:
            hid = "ssl" not in sys.modules
            if hid:
                sys.modules["ssl"] = None
            try:
                import asyncio  # noqa: F401
            finally:
                if hid:
                    del sys.modules["ssl"]
        from siphon import _aio as a
        loop = a.setup(sys.modules[__name__])
        _CancelledError = a.CancelledError
        _aio = a
    finally:
        _starting_aio = False


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
    """The current exception's traceback without siphon's own frames."""
    import traceback
    et, ev, tb = sys.exc_info()
    while tb is not None and tb.tb_frame.f_code.co_filename in _OWN_FILES:
        tb = tb.tb_next
    return "".join(traceback.format_exception(et, ev, tb))


_OWN_FILES = (__file__, __file__.replace("_runtime.py", "_aio.py"))


def registrations():
    """Flat description for Java: [pattern, [methods...], handler name, ...], then middleware/hook counts."""
    out = []
    streams = http._stream_routes
    for i, (pattern, methods, fn) in enumerate(http._routes):
        out.append(pattern)
        out.append(list(methods))
        out.append(_name(fn))
        cap = streams.get(i, -1)  # -1: the body is buffered; else the stream=True route's cap
        out.append(_UNLIMITED_JAVA if cap == http._UNLIMITED else cap)
    return out


_UNLIMITED_JAVA = 0x7FFFFFFFFFFFFFFF  # StreamingRoute.UNLIMITED


def counts():
    return [len(http._middleware), len(http._startup), len(http._shutdown), len(http._unmatched)]


# seconds without any event after which a worker whose script made an http.Client imports
# asyncio (which its first outbound call needs), so that this call rarely pays for the import
_IDLE_IMPORT_S = 0.2


def prepare():
    """Fixes the dispatch table after loading."""
    global _middleware, _wrapping, _unmatched_chain
    _middleware = tuple((m, _name(m)) for m in http._middleware)
    kinds = tuple(http._wraps(m) for m in http._middleware)
    # with a (req, call_next) middleware every request runs through its route's _steps; without, as before
    _wrapping = tuple((m, who, k) for (m, who), k in zip(_middleware, kinds)) if any(kinds) else None
    _unmatched_chain = tuple((m, _name(m), http._wraps(m)) for m in http._unmatched)
    mw_sync = _wrapping is None and all(_plain_function(m) for m in http._middleware)
    _routes.clear()
    for pattern, methods, fn in http._routes:
        route = _Route(fn, mw_sync and _plain_function(fn), bool(http._middleware))
        if _wrapping is not None:
            route.wrapped = _steps(route, _wrapping)
        _routes.append(route)
    _UNMATCHED.wrapped = _steps(_UNMATCHED, _unmatched_chain) if _unmatched_chain else None


def serve():
    """Serves until Java asks it to stop (``stop``). Re-entered after an interrupt.

    A script that made an ``http.Client`` while loading will need asyncio for its first
    outbound call. It is not imported before the worker serves (routes that make no call are
    served meanwhile), but in the first moment the worker is idle, or by that call if it
    comes first.
    """
    while not _stopping:
        if _aio is not None:
            _aio.run_loop()
            return
        if http._clients_made:
            if not _java.bridge.poll(_IDLE_IMPORT_S) and not _stopping:
                _start_asyncio()
        else:
            _java.bridge.poll(-1.0)


def stop():
    global _stopping
    _stopping = True
    if loop is not None:
        loop.stop()


# --- called by Java from _java.bridge.poll, on the worker thread ---

_ANSWERED = object()  # _chain's result when a middleware or the handler was answered (or failed) already


def deliver(rid, index, method, path, params, headers, body_len):
    """A new request, run at once up to its handler's end or first real suspension.

    ``params`` and ``headers`` are flat Java string arrays (name, value, ...); the body, the
    query and the client are fetched from Java only when the handler asks for them.
    """
    req = _request_from_java(rid, method, path, params, headers, body_len)
    route = _routes[index] if index >= 0 else _UNMATCHED  # -1: no route matched (unmatched=True middleware)
    if route.sync:
        _serve_sync(rid, route, req)
        return
    who = route.name
    try:
        if route.wrapped is not None:
            coro = route.wrapped(req)
        else:
            coro = _chain(rid, route, req) if route.chain else route.fn(req)
    except BaseException:
        _java.bridge.fail(rid, who, _script_traceback())
        return
    if coro.__class__ is _coroutine or _iscoro(coro):
        _drive(rid, who, coro)
    else:
        _reply(rid, who, coro)  # not an `async def` after all: its result


_step_rid = 0      # the request whose first step runs now (_drive), else 0
_step_task = None  # its asyncio Task, once the handler asked for it (siphon._aio)
_running_rid = 0   # the request whose task runs a later step now (resume), else 0 or stale; see recover


def _drive(rid, who, coro):
    """Runs a request's coroutine to its first suspension, answering it if it returns before.

    It runs in a context of its own (a copy of the worker's), as an asyncio Task would: a
    ``ContextVar`` a handler or middleware sets does not leak into the next request. The
    request's task, if it suspends, goes on in the same context.
    """
    global _step_rid
    _step_rid = rid
    ctx = _copy_context()
    try:
        value = ctx.run(coro.send, None)
    except StopIteration as done:
        _step_rid = 0
        if _step_task is not None:
            _aio.end_first_step(None)
        result = done.value
        if result is not _ANSWERED:
            _reply(rid, who, result)
        return
    except BaseException as e:
        _step_rid = 0
        tb = None if isinstance(e, _CancelledError) else _script_traceback()
        if _step_task is not None:
            _aio.end_first_step(e)
        if tb is None:
            _java.bridge.cancelled(rid)
        elif e.__class__ is _ChainError:
            _java.bridge.fail(rid, e.who, str(e))
        else:
            _java.bridge.fail(rid, who, tb)
        return
    _step_rid = 0
    if _aio is None:
        _start_asyncio()
    _aio.suspend(rid, who, coro, value, ctx)


def _run_rest(rid, who, coro, value):
    """A suspended request as its task drives it (a generator: the ``yield from`` protocol by hand).

    Yields to the task what the handler awaits, passes back what the task sends or throws
    (a cancellation among them), and answers the request when the handler returns.
    """
    try:
        try:
            result = yield from resume(coro, value, rid)
        except (_CancelledError, GeneratorExit):
            _java.bridge.cancelled(rid)
            raise
        except _ChainError as e:
            _java.bridge.fail(rid, e.who, str(e))
            return
        except BaseException:
            _java.bridge.fail(rid, who, _script_traceback())
            return
    finally:
        _tasks.pop(rid, None)
    if result is not _ANSWERED:
        _reply(rid, who, result)


def resume(coro, value, rid=0):
    """``coro`` after it yielded ``value``, as a generator a task can drive (``yield from`` by hand).

    Passes back what the task sends or throws, and closes ``coro`` when the task closes it;
    returns what ``coro`` returns. While ``coro`` runs, ``_running_rid`` is ``rid`` (request
    ``rid``'s handler; 0 for a hook), for ``recover``. It is reset on the normal ways out only:
    an interrupt runs ``finally`` blocks as it unwinds, and would reset it before ``recover``
    reads it. A stale value names a request that has ended, which ``recover`` finds no more.
    """
    global _running_rid
    while True:
        try:
            sent = yield value
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as e:
            _running_rid = rid
            try:
                value = coro.throw(e)
            except StopIteration as done:
                _running_rid = 0
                return done.value
        else:
            _running_rid = rid
            try:
                value = coro.send(sent)
            except StopIteration as done:
                _running_rid = 0
                return done.value
        _running_rid = 0


def recover():
    """Java's watchdog interrupted the worker (``Context.interrupt``); returns the ids of the
    requests whose handlers the interrupt cut off, for Java to answer 504.

    The interrupt unwound the frames that ran, running their ``finally`` blocks (and maybe an
    ``except BaseException``) on the way. A coroutine cut off mid-step must never run again
    (GraalPy fails on it): its task is ended as cancelled without stepping it, so that whatever
    awaits it (``gather``) goes on. The loop's current task is cleared; the tasks that wait at an
    await go on as before.
    """
    global _step_rid, _step_task, _running_rid
    cut = []
    if _step_rid:
        cut.append(_step_rid)  # an async handler's first step (Java knows it too)
        _step_rid = 0
    if _step_task is not None:
        _aio.abandon(_step_task)
        _step_task = None
    if _running_rid:
        # listed even when its task is gone from _tasks (_run_rest's finally ran in the unwinding):
        # Java answers it if it still holds it, and ignores a stale id
        cut.append(_running_rid)
        t = _tasks.pop(_running_rid, None)
        if t is not None:
            _aio.abandon(t)
        _running_rid = 0
    for rid, t in list(_tasks.items()):
        if t.done():  # its step ended in the interrupt's exception
            del _tasks[rid]
            _aio.abandon(t)
            cut.append(rid)
    if _aio is not None:
        _aio.recover()
    return cut


def cancel(rid):
    """The request timed out or its client left: cancel its task at its next await."""
    t = _tasks.get(rid)
    if t is not None:
        t.cancel()


def _reply(rid, who, r):
    if r.__class__ is not _Response and not isinstance(r, _Response):
        if r is None:
            _java.bridge.fail(rid, who, f"{who} returned None; a handler must return an http.Response")
        else:
            _java.bridge.fail(rid, who, f"{who} returned {type(r).__name__}; a handler must return an http.Response")
        return
    s = r.status
    if s.__class__ is not int or s < 200 or s > 599:  # set after Response() checked it
        _java.bridge.fail(rid, who, f"{who} answered with status {s!r}; a response status must be an int from 200 to 599")
        return
    h = r.headers
    if h:
        flat = []
        for k, v in h.items():
            k = k if isinstance(k, str) else str(k)
            if isinstance(v, str):
                flat.append(k)
                flat.append(v)
            elif isinstance(v, (list, tuple)):
                for one in v:  # one field line per value (set-cookie)
                    flat.append(k)
                    flat.append(one if isinstance(one, str) else str(one))
            else:
                flat.append(k)
                flat.append(str(v))
    else:
        flat = _NO_HEADERS
    if r.__class__ is _StreamingResponse or isinstance(r, _StreamingResponse):
        _reply_stream(rid, who, r, flat)
        return
    _java.bridge.reply(rid, r.status, flat, r._body)


def _middleware_answered(rid, who, r):
    """A middleware's result: None goes on (False); a Response answers; anything else is an error."""
    if r is None:
        return False
    if isinstance(r, _Response):
        _reply(rid, who, r)
    else:
        _java.bridge.fail(rid, who, f"middleware {who} returned {type(r).__name__}; it must return an http.Response or None")
    return True


def _serve_sync(rid, route, req):
    who = route.name
    try:
        for m, who in _middleware:
            r = m(req)
            if _middleware_answered(rid, who, r):
                return
        who = route.name
        r = route.fn(req)
    except BaseException:
        _java.bridge.fail(rid, who, _script_traceback())
        return
    if _iscoro(r):
        # a plain function that returned an awaitable: drive it as an async handler's
        _drive(rid, who, _finish(r))
        return
    _reply(rid, who, r)


async def _finish(awaitable):
    return await awaitable


async def _chain(rid, route, req):
    """The middleware in order, then the handler; returns the Response to send, or _ANSWERED."""
    who = route.name
    try:
        for m, who in _middleware:
            r = m(req)
            if _iscoro(r):
                r = await r
            if _middleware_answered(rid, who, r):
                return _ANSWERED
        who = route.name
        r = route.fn(req)
        if _iscoro(r):
            r = await r
    except _CancelledError:
        raise
    except BaseException:
        _java.bridge.fail(rid, who, _script_traceback())
        return _ANSWERED
    return r


class _ChainError(Exception):
    """A middleware or handler answered with something that is no Response (reported, not a traceback)."""

    def __init__(self, who, message):
        super().__init__(message)
        self.who = who


class _Next:
    """What ``call_next(req)`` returns: the rest of the chain, run when awaited."""

    __slots__ = ("_coro", "_who")

    def __init__(self, coro, who):
        self._coro = coro
        self._who = who

    def __await__(self):
        return self._coro.__await__()

    def __getattr__(self, name):
        self._coro.close()
        raise TypeError(f"middleware {self._who}: call_next(req) gives an awaitable, not the Response; "
                        f"write resp = await call_next(req) in an async def middleware")


def _engine_answer(req):
    """The end of the unmatched middleware's chain: the engine's own answer (404, 405 with allow)."""
    a = _java.bridge.unmatchedAnswer(req._rid)
    n = len(a)
    r = _Response.__new__(_Response)
    r.status = int(a[0])
    r.headers = {a[i]: a[i + 1] for i in range(1, n - 1, 2)}
    r._body = a[n - 1].encode("latin-1")
    return r


_UNMATCHED = _Route(_engine_answer, False, True)
_UNMATCHED.name = "the engine's answer"


def _steps(route, chain):
    """The chain of a route with a (req, call_next) middleware in it, built once by prepare():
    returns the coroutine function that runs a request through it. Each step runs one middleware
    and, through ``call_next`` (made here, once), the steps after it; the last runs the handler.
    A guard's Response or the handler's goes back up through the wrapping middleware before it is
    sent. What is not a Response raises _ChainError (reported by _drive and _run_rest)."""
    fn = route.fn
    hname = route.name

    async def handler(req):
        r = fn(req)
        if r.__class__ is _coroutine or _iscoro(r):
            r = await r
        if r.__class__ is not _Response and not isinstance(r, _Response):
            raise _ChainError(hname, f"{hname} returned {'None' if r is None else type(r).__name__}; "
                                     "a handler must return an http.Response")
        return r

    # an async def handler is its own last step: the Response check is _reply's (or the wrapper's)
    step = fn if _iscoroutinefunction(fn) else handler
    for m, who, wraps in reversed(chain):
        if wraps and _iscoroutinefunction(m):
            step = _async_wrapper_entry(m, who, step)
        else:
            step = _wrapper_step(m, who, step) if wraps else _guard_step(m, who, step)
    return step


def _async_wrapper_entry(m, who, rest):
    """An ``async def`` (req, call_next) middleware's step is its own coroutine: no coroutine of
    ours between it and the next step (what it returns is checked by the step above it, or by
    _reply at the top)."""
    def call_next(r):
        if r.__class__ is not http.Request and not isinstance(r, http.Request):
            raise TypeError(f"middleware {who}: call_next takes the request, not {type(r).__name__}")
        return rest(r)

    def entry(req):
        return m(req, call_next)
    return entry


def _wrapper_step(m, who, rest):
    """A ``def`` (req, call_next) middleware: it cannot await, so call_next gives it an awaitable
    that says so when used as a Response (_Next); it may return it as it is."""
    def call_next(r):
        if not isinstance(r, http.Request):
            raise TypeError(f"middleware {who}: call_next takes the request, not {type(r).__name__}")
        return _Next(rest(r), who)

    async def step(req):
        r = m(req, call_next)
        if r.__class__ is _coroutine or r.__class__ is _Next or _iscoro(r):
            r = await r
        if r.__class__ is not _Response and not isinstance(r, _Response):
            raise _ChainError(who, f"middleware {who} returned {type(r).__name__}; a (req, call_next) "
                                   "middleware must return an http.Response")
        return r
    return step


def _guard_step(m, who, rest):
    async def step(req):
        r = m(req)
        if r.__class__ is _coroutine or _iscoro(r):
            r = await r
        if r is None:
            return await rest(req)
        if r.__class__ is _Response or isinstance(r, _Response):
            return r
        raise _ChainError(who, f"middleware {who} returned {type(r).__name__}; it must return an "
                               "http.Response or None")
    return step


def _iscoroutinefunction(fn):
    code = getattr(fn, "__code__", None)
    return code is not None and bool(code.co_flags & 0x80)  # CO_COROUTINE


# --- hooks: run like requests, inline until they suspend ---

def _run_coroutine(coro):
    """Runs a coroutine that reports its own end (a hook runner): inline, then as a task if it suspends."""
    try:
        value = coro.send(None)
    except StopIteration:
        return None
    if _aio is None:
        _start_asyncio()
    return _aio.spawn_rest(coro, value)


def start_hooks():
    _run_coroutine(_run_hooks())


async def _run_hooks():
    for fn in list(http._startup):
        try:
            r = fn()
            if _iscoro(r):
                await r
        except BaseException:
            _java.bridge.startupDone(_name(fn), _script_traceback())
            return
    _java.bridge.startupDone(None, None)


_shutdown_task = None


def shutdown_hooks():
    """Starts the on_shutdown hooks; Java hears of each (``shutdownHook``) and of the end."""
    global _shutdown_task
    _shutdown_task = _run_coroutine(_run_shutdown_hooks())


def cancel_shutdown_hooks():
    """engine.shutdown_hooks_timeout_ms passed: cancel the running hook at its await; the rest do not run."""
    if _shutdown_task is not None:
        _shutdown_task.cancel()


async def _run_shutdown_hooks():
    try:
        for fn in list(http._shutdown):
            name = _name(fn)
            _java.bridge.shutdownHook(name)
            try:
                r = fn()
                if _iscoro(r):
                    await r
            except _CancelledError:
                raise
            except BaseException:
                # one hook failing must not keep the others from cleaning up
                _java.bridge.shutdownHookFailed(name, _script_traceback())
    finally:
        _java.bridge.shutdownDone()


# --- http.Client: the request runs in Java while the calling coroutine awaits a loop future ---

def _on_worker_loop(what):
    """Raises RuntimeError unless the caller runs on the worker's asyncio loop (started here if need be)."""
    if loop is None:
        _start_asyncio()
    if _aio.running_loop() is not loop:
        raise RuntimeError(what + " run on the worker's event loop (in a handler, middleware, hook or "
                           "timer job), not at import time, on another loop or on another thread")


def _new_call(what):
    """A new call id and the loop future its result will resolve."""
    global _next_call
    _on_worker_loop(what)
    _next_call += 1
    return _next_call, loop.create_future()


async def _await_java(cid, fut):
    """Awaits ``fut``, the result of Java call ``cid``; a cancelled await cancels the Java side too."""
    _calls[cid] = fut
    try:
        return await fut
    except _CancelledError:
        # the handler was cancelled (request_timeout_ms, client gone): stop the Java request too
        _java.bridge.clientCancel(cid)
        raise
    finally:
        _calls.pop(cid, None)


async def client_call(client, method, url, headers, body):
    """Sends one request on Java client ``client``; the result arrives through ``client_done``/``client_failed``."""
    cid, fut = _new_call("http.Client requests")
    err = _java.bridge.clientSend(cid, client, method, url, headers, body)
    if err is not None:
        raise ValueError(str(err))
    return await _await_java(cid, fut)


async def client_stream_call(client, method, url, headers, body, upload, stream):
    """As ``client_call``, with ``upload`` (an iterator) sent as it is produced, and/or a response
    whose body is a stream (``stream``)."""
    cid, fut = _new_call("http.Client requests")
    up = None if upload is None else _java.bridge.newStream()
    err = _java.bridge.clientStream(cid, client, method, url, headers, body, up, stream)
    if err is not None:
        raise ValueError(str(err))
    pump = None
    if up is not None:  # token 0: no client of ours can go away from an upload (_pumps is for responses)
        pump = loop.create_task(_pump(0, up, upload, "http.Client upload", True))
    try:
        return await _await_java(cid, fut)
    finally:
        if pump is not None and not pump.done():
            if not fut.done() or fut.cancelled() or fut.exception() is not None:
                pump.cancel()  # the call ended without needing the rest of the upload


def client_stream_done(cid, status, headers, stream):
    """Called by Java from ``_java.bridge.poll``: call ``cid`` got a response head; its body is ``stream``."""
    fut = _calls.get(cid)
    if fut is None or fut.done():
        _java.bridge.streamCancel(stream)
        return
    fut.set_result(_Response._from_java_stream(status, headers, stream))


def client_done(cid, status, headers, body):
    """Called by Java from ``_java.bridge.poll``: call ``cid`` got a response (``body`` as a Latin-1 str)."""
    fut = _calls.get(cid)
    if fut is None or fut.done():
        return
    fut.set_result(_Response._from_java(status, headers, body))


def client_failed(cid, kind, message):
    """Called by Java from ``_java.bridge.poll``: call ``cid`` failed; ``kind`` names how (``http._ERROR_KINDS``)."""
    fut = _calls.get(cid)
    if fut is None or fut.done():
        return
    fut.set_exception(http._ERROR_KINDS.get(kind, http.ClientError)(str(message)))


# --- streamed bodies: req.stream() reads a Java BodyStream, a StreamingResponse fills one ---

_pumps = {}  # token -> asyncio.Task filling a StreamingResponse's body
_next_pump = 0


async def stream_read(stream):
    """The next chunk of Java body stream ``stream`` as bytes, or None at its end."""
    global _next_call
    _next_call += 1
    cid = _next_call
    chunk = _java.bridge.streamRead(stream, cid)
    if chunk is not None:
        return chunk.encode("latin-1")
    _on_worker_loop("req.stream()")
    fut = loop.create_future()
    _calls[cid] = fut
    chunk = await _await_java(cid, fut)
    return None if chunk is None else chunk.encode("latin-1")


def stream_failed(cid, status, message):
    """Called by Java from ``_java.bridge.poll``: the body stream of call ``cid`` stopped short."""
    fut = _calls.pop(cid, None)
    if fut is not None and not fut.done():
        fut.set_exception(http.StreamError(str(message), status))


def stream_cancelled(token):
    """Called by Java from ``_java.bridge.poll``: the client of StreamingResponse ``token`` went away."""
    t = _pumps.get(token)
    if t is not None:
        t.cancel()


def _reply_stream(rid, who, r, flat):
    """Answers with a StreamingResponse: Java sends the head, a task of its own sends the body."""
    global _next_pump
    it = r.body_iterator
    _next_pump += 1
    token = _next_pump
    stream = _java.bridge.replyStream(rid, r.status, flat, token)
    if _aio is None:
        _start_asyncio()
    if stream is None:  # answered already (timeout, client gone): the iterator is closed unread
        if hasattr(it, "aclose"):
            loop.create_task(it.aclose())
        elif hasattr(it, "close"):
            it.close()
        return
    _pumps[token] = loop.create_task(_pump(token, stream, it, who))


async def _pump(token, stream, it, who, upload=False):
    """Sends each chunk of ``it`` as the reader takes them (the server's client, or the origin of
    an upload); closes ``it`` however it ends."""
    global _next_call
    aiter = hasattr(it, "__aiter__")
    src = it.__aiter__() if aiter else iter(it)
    try:
        while True:
            try:
                chunk = (await src.__anext__()) if aiter else next(src)
            except (StopAsyncIteration, StopIteration):
                break
            if chunk.__class__ is not bytes:
                if isinstance(chunk, str):
                    chunk = chunk.encode("utf-8")
                elif isinstance(chunk, (bytes, bytearray, memoryview)):
                    chunk = bytes(chunk)
                else:
                    raise TypeError(f"a StreamingResponse body yielded {type(chunk).__name__}; "
                                    "it must yield bytes or str")
            if not chunk:
                continue
            _next_call += 1
            cid = _next_call
            if not _java.bridge.streamWrite(stream, cid, chunk):
                fut = loop.create_future()
                _calls[cid] = fut
                await _await_java(cid, fut)
        _java.bridge.streamEnd(stream)
    except (_CancelledError, http.StreamError):
        if upload:
            _java.bridge.streamAbort(stream, "the upload was cancelled")
        # else the client went away: nothing more to send, nobody to tell
    except BaseException as e:
        if upload:  # the outbound call fails with it, where the script sees it
            _java.bridge.streamAbort(stream, f"the request body's iterator raised {type(e).__name__}: {e}")
        else:
            _java.bridge.streamFail(stream, who, _script_traceback())
    finally:
        _pumps.pop(token, None)
        closer = getattr(src, "aclose", None) if aiter else getattr(src, "close", None)
        if closer is not None:
            try:
                r = closer()
                if aiter:
                    await r
            except BaseException:
                pass


# --- a Java host's namespaces (siphon.<name>): its methods' futures are awaited like http.Client ---

class _Namespace(types.ModuleType):
    """``siphon.<name>``: the members a Java host's object exports. A method that returns a Java
    ``CompletionStage`` returns an awaitable of its result; any other returns its value."""

    def __init__(self, name, target):
        super().__init__("siphon." + name)
        self._target = target

    def __getattr__(self, attr):
        if attr.startswith("_"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")
        try:
            member = getattr(self._target, attr)
        except AttributeError:
            raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r} "
                                 "(the host exports what it marks @HostAccess.Export)") from None
        if not callable(member):
            return member  # a field: read anew each time
        qualname = self.__name__ + "." + attr

        def call(*args):
            return _namespace_result(qualname, member(*args))

        call.__name__ = attr
        call.__qualname__ = qualname
        setattr(self, attr, call)
        return call


def _install_namespaces():
    import siphon
    for name in _java.bridge.namespaceNames():
        name = str(name)
        m = _Namespace(name, _java.bridge.namespace(name))
        sys.modules[m.__name__] = m
        setattr(siphon, name, m)


def _namespace_result(qualname, result):
    global _next_call
    _next_call += 1
    cid = _next_call
    if not _java.bridge.awaitIfPending(cid, result):
        return result
    try:
        _on_worker_loop(qualname + "() results")
    except RuntimeError:
        _java.bridge.clientCancel(cid)
        raise
    fut = loop.create_future()
    _calls[cid] = fut  # from now: a result that arrives before the await is kept
    return _await_java(cid, fut)


def stage_done(cid, value):
    """Called by Java from ``_java.bridge.poll``: the future of namespace call ``cid`` completed."""
    fut = _calls.pop(cid, None)
    if fut is not None and not fut.done():
        fut.set_result(value)


def stage_failed(cid, message):
    """Called by Java from ``_java.bridge.poll``: the future of namespace call ``cid`` failed."""
    fut = _calls.pop(cid, None)
    if fut is not None and not fut.done():
        fut.set_exception(RuntimeError(str(message)))


# --- cache calls on Redis: Java runs the command while the calling coroutine awaits a loop future ---

_cache_calls = {}  # cache call id -> asyncio.Future the calling coroutine awaits
_cache_error = None  # siphon.cache._error(code, message): the exception a failed call raises


async def cache_wait(cid):
    """The result of cache call ``cid`` (sent by ``_java.bridge.cacheCall``), awaited on the worker's loop;
    on another loop (``asyncio.run`` in module-level code) Java waits for it instead."""
    if loop is None:
        a = sys.modules.get("asyncio")
        if a is not None and a.events._get_running_loop() is not None:
            return _cache_join(cid)  # a loop the script runs itself, before the worker's exists
        _start_asyncio()
    if _aio.running_loop() is not loop:
        return _cache_join(cid)
    fut = loop.create_future()
    _cache_calls[cid] = fut
    try:
        return await fut
    finally:
        _cache_calls.pop(cid, None)


def _cache_join(cid):
    b = _java.bridge
    r = b.cacheJoin(cid)
    if r == 0:
        return b.cacheResult()
    raise _cache_error(r, b.cacheError())


def cache_done(cid, result):
    """Called by Java from ``_java.bridge.poll``: cache call ``cid`` completed."""
    fut = _cache_calls.get(cid)
    if fut is None or fut.done():
        return
    fut.set_result(result)


def cache_failed(cid, code, message):
    """Called by Java from ``_java.bridge.poll``: cache call ``cid`` failed; ``code`` says which exception."""
    fut = _cache_calls.get(cid)
    if fut is None or fut.done():
        return
    fut.set_exception(_cache_error(code, message))


# --- siphon.timer: a due run is handed over by Java (from _java.bridge.poll), like a request ---
#
# A run has an id below zero in ``_tasks`` while it waits at an await (``-id``: the timer's id in
# Java), so that ``recover`` reports one an interrupt cut off, and Java reschedules its job.

def timer_run(jid, seq):
    """Java: run ``seq`` of the @timer.every job ``jid`` (one this worker owns) is due."""
    from siphon import timer
    job = timer._jobs.get(jid)
    if job is None:
        _java.bridge.timerDone(jid, seq, "the job's function is unknown in this worker", False)
        return
    fn, name = job

    def done(tb, cancelled):
        _java.bridge.timerDone(jid, seq, tb, cancelled)

    _run_timer(-jid, fn, (), done)


def timer_fire(tid, fire):
    """Java: the timer.set timer ``tid`` of this worker is due (``fire``), or was cancelled or replaced."""
    from siphon import timer
    entry = timer._one_shots.pop(tid, None)
    if entry is None or not fire:
        return
    key, handler = entry

    def done(tb, cancelled):
        _java.bridge.timerSetDone(tid, key, _name(handler), tb)

    _run_timer(-tid, handler, (key,), done)


def timer_cancel(jid):
    """Java: shutdown is under way and run ``jid`` still waits at an await: cancel it there."""
    t = _tasks.get(-jid)
    if t is not None:
        t.cancel()


def _run_timer(rid, fn, args, done):
    """Runs ``fn(*args)`` in a context of its own: inline up to its end or first suspension, then as
    a task on the worker's loop; ``done(traceback or None, cancelled)`` is called once at its end."""
    global _step_rid
    ctx = _copy_context()
    try:
        r = ctx.run(fn, *args)
    except BaseException as e:
        done(None if isinstance(e, _CancelledError) else _script_traceback(), isinstance(e, _CancelledError))
        return
    if not _iscoro(r):
        done(None, False)
        return
    _step_rid = rid
    try:
        value = ctx.run(r.send, None)
    except StopIteration:
        _step_rid = 0
        if _step_task is not None:
            _aio.end_first_step(None)
        done(None, False)
        return
    except BaseException as e:
        _step_rid = 0
        if _step_task is not None:
            _aio.end_first_step(e)
        cancelled = isinstance(e, _CancelledError)
        done(None if cancelled else _script_traceback(), cancelled)
        return
    _step_rid = 0
    if _aio is None:
        _start_asyncio()
    _aio.suspend(rid, None, r, value, ctx, _timer_rest(rid, r, value, done))


def _timer_rest(rid, coro, value, done):
    """A suspended timer run as its task drives it (see ``_run_rest``)."""
    try:
        try:
            yield from resume(coro, value, rid)
        except (_CancelledError, GeneratorExit):
            done(None, True)
            raise
        except BaseException:
            done(_script_traceback(), False)
            return
    finally:
        _tasks.pop(rid, None)
    done(None, False)
