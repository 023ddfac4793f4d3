"""siphon's ``timer`` namespace: periodic jobs (``@timer.every``) and one-shot timers (``timer.set``).

A ``@timer.every`` job runs once per process (the first worker to register a name owns it),
``def`` or ``async def``; one-shot timers are process-wide by key. See docs/python.md.
"""

from typing import Any, Callable, TypeVar

__all__ = ["every", "set", "cancel", "TimerHandle"]

_Job = TypeVar("_Job", bound=Callable[[], Any])

active_count: int
"""The one-shot timers armed now, in the whole process."""

def every(seconds: float, name: str | None = None, jitter: float = 0) -> Callable[[_Job], _Job]:
    """Runs the decorated function every ``seconds``, once per process.

    ``name`` (default: the function's ``__name__``) names the job in the log and in metrics;
    it must be unique in the script. ``jitter`` adds a random ``0..jitter`` seconds to each
    interval. Returns the function unchanged.
    """

class TimerHandle:
    """What ``timer.set`` returns: the timer's ``key`` and ``cancel()``."""

    def __init__(self, key: str) -> None: ...
    @property
    def key(self) -> str: ...
    def cancel(self) -> bool:
        """Cancels the timer armed under this key; True when one was armed (as ``timer.cancel(key)``)."""

def set(key: str, delay_ms: float, handler: Callable[[str], Any]) -> TimerHandle:
    """Calls ``handler(key)`` once, ``delay_ms`` milliseconds from now, on this worker's loop.

    A timer already armed under ``key`` (by any worker) is cancelled first. ``handler`` may be
    ``def`` or ``async def``; one that raises is logged with the key. Returns a TimerHandle.
    """

def cancel(key: str) -> bool:
    """Cancels the timer armed under ``key`` (by any worker); True when one was, False otherwise."""
