"""siphon's ``timer`` namespace: periodic jobs (``@timer.every``) and one-shot timers (``timer.set``).

CPython stand-in (siphon-http-testing): nothing runs by itself. ``@timer.every`` jobs and armed
``timer.set`` timers are recorded, and a test runs them when it wants:
``HttpTestHarness.run_timer(name)`` runs a job once, ``HttpTestHarness.fire_timer(key)`` fires an
armed timer (docs/testing.md). Validation and errors are the runtime's.
"""

__all__ = ["every", "set", "cancel", "TimerHandle"]

_jobs = {}       # job name -> (function, period seconds, jitter seconds), read by siphon_testing
_one_shots = {}  # key -> (handler, delay_ms): the timers armed now, read by siphon_testing


def _reset():
    """Forgets every job and timer (siphon_testing calls it for each new harness)."""
    _jobs.clear()
    _one_shots.clear()


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
    """Runs the decorated function every ``seconds``, once per process.

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
        if n in _jobs:
            raise ValueError(f"timer.every: a job named {n!r} is registered already (job names are unique)")
        _jobs[n] = (fn, period_ms / 1000, jitter_ms / 1000)
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

    A timer already armed under ``key`` is cancelled first. ``handler`` may be ``def`` or
    ``async def``. Returns a TimerHandle.
    """
    if not isinstance(key, str):
        raise TypeError(f"timer.set: key must be a str, not {type(key).__name__}")
    if isinstance(delay_ms, bool) or not isinstance(delay_ms, (int, float)):
        raise TypeError(f"timer.set: delay_ms must be a number of milliseconds, not {type(delay_ms).__name__}")
    if delay_ms != delay_ms or delay_ms < 0 or delay_ms > 10**12:
        raise ValueError(f"timer.set: delay_ms must be from 0 to 10**12, was {delay_ms!r}")
    if not callable(handler):
        raise TypeError(f"timer.set: handler must be callable, not {type(handler).__name__}")
    _one_shots.pop(key, None)
    _one_shots[key] = (handler, int(delay_ms))
    return TimerHandle(key)


def cancel(key):
    """Cancels the timer armed under ``key``; True when one was, False otherwise."""
    if not isinstance(key, str):
        raise TypeError(f"timer.cancel: key must be a str, not {type(key).__name__}")
    return _one_shots.pop(key, None) is not None


def __getattr__(name):
    if name == "active_count":  # the one-shot timers armed now
        return len(_one_shots)
    raise AttributeError(f"module 'siphon.timer' has no attribute {name!r}")
