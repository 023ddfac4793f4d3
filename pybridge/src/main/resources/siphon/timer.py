"""siphon's ``timer`` namespace: periodic jobs (``@timer.every``) and one-shot timers (``timer.set``).

A script imports ``timer`` (with ``cache`` and ``log`` here) from ``siphon``:

    @timer.every(seconds=30, name="refresh", jitter=5)
    async def refresh():
        await cache.store("tokens", "api", await fetch_token())

    def expired(key):
        log.info(f"{key} expired")

    handle = timer.set("order-42", 20_000, expired)   # fires once, in 20 s
    handle.cancel()                                     # or timer.cancel("order-42")

Every worker context runs the script, so every worker registers each ``@timer.every`` job;
the job runs once per process, not once per worker: the first worker to register a name owns
it, and its runs are tasks on that worker's loop (``def`` or ``async def``; an ``async def``
job may await ``cache`` calls, ``http.Client`` requests, ``asyncio.sleep``). The schedule is
kept in Java (one timer thread per process), which hands each due run to the owning worker.

A job's first run comes ``seconds`` (plus jitter) after its worker finished its
``on_startup`` hooks; each next run ``seconds`` plus a random ``0..jitter`` seconds after the
previous run ended, so a run never overlaps the one before it, and a slow run delays the
next rather than being caught up. A run that raises is logged with the job's name and the
job keeps its schedule. On shutdown no run starts any more (see docs/python.md).

One-shot timers are process-wide by key: ``timer.set`` with a key already armed (by any
worker) replaces that timer; ``timer.cancel(key)`` cancels it from any worker. The handler
is called with the key, on the worker that called ``timer.set``.
"""

from siphon import _java

__all__ = ["every", "set", "cancel", "TimerHandle"]

_jobs = {}       # job id -> (function, name): the @timer.every jobs this worker owns
_one_shots = {}  # timer id -> (key, handler): the timer.set timers armed by this worker


def _seconds(what, v, positive):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"timer.every: {what} must be a number of seconds, not {type(v).__name__}")
    if v != v or v in (float("inf"), float("-inf")) or v < 0 or (positive and v == 0):
        raise ValueError(f"timer.every: {what} must be {'> 0' if positive else '>= 0'} seconds, was {v!r}")
    ms = round(v * 1000)
    if ms > 10**12:
        raise ValueError(f"timer.every: {what} must be at most 10**9 seconds, was {v!r}")
    return max(1, ms) if positive else ms


def every(seconds, name=None, jitter=0):
    """Runs the decorated function every ``seconds``, once per process (see the module docstring).

    ``name`` (default: the function's ``__name__``) names the job in the log and in metrics;
    it must be unique in the script. ``jitter`` adds a random ``0..jitter`` seconds to each
    interval. Returns the function unchanged.
    """
    period_ms = _seconds("seconds", seconds, True)
    jitter_ms = _seconds("jitter", jitter, False)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"timer.every: name must be a str, not {type(name).__name__}")
    if name == "":
        raise ValueError("timer.every: name must not be empty")

    def register(fn):
        if not callable(fn):
            raise TypeError(f"timer.every decorates a function, not {type(fn).__name__}")
        n = name if name is not None else getattr(fn, "__name__", None) or repr(fn)
        who = (getattr(fn, "__module__", None) or "?") + "." + getattr(fn, "__qualname__", repr(fn))
        jid = _java.bridge.timerEvery(n, who, period_ms, jitter_ms)
        if jid < 0:
            raise ValueError(str(_java.bridge.timerError()))
        if jid > 0:
            _jobs[jid] = (fn, n)
        return fn

    return register


class TimerHandle:
    """What ``timer.set`` returns: the timer's ``key`` and ``cancel()``."""

    __slots__ = ("_key",)

    def __init__(self, key):
        self._key = key

    @property
    def key(self):
        return self._key

    def cancel(self):
        """Cancels the timer armed under this key; True when one was armed (as ``timer.cancel(key)``)."""
        return cancel(self._key)

    def __repr__(self):
        return f"TimerHandle(key={self._key!r})"


def set(key, delay_ms, handler):  # noqa: A001 (the host's name)
    """Calls ``handler(key)`` once, ``delay_ms`` milliseconds from now, on this worker's loop.

    A timer already armed under ``key`` (by any worker) is cancelled first. ``handler`` may be
    ``def`` or ``async def``; one that raises is logged with the key. Returns a TimerHandle.
    """
    if not isinstance(key, str):
        raise TypeError(f"timer.set: key must be a str, not {type(key).__name__}")
    if isinstance(delay_ms, bool) or not isinstance(delay_ms, (int, float)):
        raise TypeError(f"timer.set: delay_ms must be a number of milliseconds, not {type(delay_ms).__name__}")
    if delay_ms != delay_ms or delay_ms < 0 or delay_ms > 10**12:
        raise ValueError(f"timer.set: delay_ms must be from 0 to 10**12, was {delay_ms!r}")
    if not callable(handler):
        raise TypeError(f"timer.set: handler must be callable, not {type(handler).__name__}")
    tid = _java.bridge.timerSet(key, int(delay_ms))
    if tid < 0:
        raise RuntimeError(str(_java.bridge.timerError()))
    if tid > 0:  # 0: the server is shutting down, nothing was armed
        _one_shots[tid] = (key, handler)
    return TimerHandle(key)


def cancel(key):
    """Cancels the timer armed under ``key`` (by any worker); True when one was, False otherwise."""
    if not isinstance(key, str):
        raise TypeError(f"timer.cancel: key must be a str, not {type(key).__name__}")
    return bool(_java.bridge.timerCancel(key))


def __getattr__(name):
    if name == "active_count":  # the one-shot timers armed now, in the whole process
        return int(_java.bridge.timerActive())
    raise AttributeError(f"module 'siphon.timer' has no attribute {name!r}")
