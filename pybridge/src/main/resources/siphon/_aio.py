"""The asyncio side of a worker: its event loop and the tasks of requests that suspend. Not script API.

Loaded by ``siphon._runtime`` only when asyncio is first needed (see its docstring). The loop
is an ``asyncio.BaseEventLoop`` whose waiting step (``select``) is ``_java.bridge.poll``: Java parks
the worker until an event arrives or the next timer is due, and calls back ``deliver``,
``cancel``, ``client_done``... for each event; those only schedule work, which the loop runs.
"""

import asyncio
import contextvars
from asyncio import base_events, events, futures, tasks

from siphon import _java

CancelledError = asyncio.CancelledError

_rt = None  # siphon._runtime
_Future = futures.Future
_enter_task = tasks._enter_task
_leave_task = tasks._leave_task
_register_task = tasks._register_task
_native_current_task = tasks.current_task
_copy_context = contextvars.copy_context
_get_running_loop = events._get_running_loop
loop = None


class _JavaSelector:
    """The loop's waiting step: Java parks the worker until an event or the timeout."""

    __slots__ = ()

    def select(self, timeout):
        _java.bridge.poll(-1.0 if timeout is None else float(timeout))
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
        _java.bridge.wakeup()


def setup(runtime):
    """Makes the worker's loop, running from now on (the step that needed it may use it at once)."""
    global _rt, loop
    _rt = runtime
    loop = WorkerLoop()
    events.set_event_loop(loop)
    events._set_running_loop(loop)
    # a request's task is made when first asked for (see _runtime._drive); asyncio.timeout,
    # wait_for and TaskGroup look it up through tasks.current_task when called
    tasks.current_task = current_task
    asyncio.current_task = current_task
    return loop


def run_loop():
    """Runs the loop until ``loop.stop()`` (Java's stop); re-entered after an interrupt."""
    loop._stopping = False
    loop._thread_id = None
    events._set_running_loop(None)
    loop.run_forever()


def running_loop():
    return _get_running_loop()


class RequestTask(tasks.Task):
    """The asyncio Task of a request whose handler suspended or asked for its task.

    Never scheduled by its constructor: the first step has run already (in ``_runtime._drive``),
    and ``_runtime._run_rest`` carries the rest. Everything else (waking on the awaited
    future, cancellation, ``cancelling``/``uncancel``, done callbacks) is the standard Task's.
    GraalPy's Task is the pure-Python one, whose fields these are.
    """

    _name = "siphon-request"

    def __init__(self):
        # not Task.__init__, which would schedule a first step; the fields it sets, as it sets them
        self._loop = loop
        self._callbacks = []
        self._num_cancels_requested = 0
        self._must_cancel = False
        self._fut_waiter = None
        self._coro = None
        self._context = None


def current_task(loop=None):
    """asyncio.current_task that also knows a request in its first step (its task made then, once)."""
    if _rt._step_rid and (loop is None or loop is _worker_loop()):
        t = _rt._step_task
        if t is None:
            t = RequestTask()
            _enter_task(t._loop, t)
            _rt._step_task = t
        return t
    return _native_current_task(loop)


def _worker_loop():
    return loop


def abandon(t):
    """A task whose step an interrupt cut off: no longer the loop's current task, and done
    (cancelled) without stepping its coroutine again, which would fail. One that ended in the
    interrupt's exception has it marked as seen: the watchdog logged the interrupt already."""
    if _native_current_task(loop) is t:
        _leave_task(loop, t)
    if not t.done():
        _Future.cancel(t)
    elif not t.cancelled():
        t.exception()


def recover():
    """After an interrupt: a task still marked as running was mid-step, and is cut off too."""
    t = _native_current_task(loop)
    if t is not None:
        abandon(t)


def end_first_step(error):
    """The first step of a request whose handler asked for its task ended without suspending."""
    t = _rt._step_task
    _rt._step_task = None
    _leave_task(loop, t)
    if t._must_cancel or isinstance(error, CancelledError):
        _Future.cancel(t)
    else:
        # a failure was answered 500 already; nobody awaits this task, so no exception to log again
        _Future.set_result(t, None)


def suspend(rid, who, coro, value, ctx, rest=None):
    """A request's handler awaits ``value`` (a pending future, or None for a bare yield): its task
    runs the rest, in ``ctx``, the context its first step ran in. ``rest``: what the task drives
    instead of ``_runtime._run_rest`` (a timer run's, whose ``rid`` is below zero)."""
    t = _rt._step_task
    _rt._step_task = None
    if t is None:
        t = RequestTask()
        _enter_task(loop, t)
    _continue(t, _rt._run_rest(rid, who, coro, value) if rest is None else rest, ctx)
    if not t.done():
        _rt._tasks[rid] = t


def spawn_rest(coro, value):
    """A coroutine that reports its own end (a hook runner) suspended: a task runs the rest; returns the task."""
    t = RequestTask()
    t._name = "siphon-hooks"
    _enter_task(loop, t)
    _continue(t, _rt.resume(coro, value))
    return t


def _continue(t, rest, ctx=None):
    t._coro = rest
    t._context = _copy_context() if ctx is None else ctx
    try:
        # the task's own step takes the awaited future (or schedules the next step after a bare
        # yield), exactly as if it had run the first step itself
        t._Task__step_run_and_handle_result(None)
    finally:
        _leave_task(loop, t)
    if not t.done():
        _register_task(t)
