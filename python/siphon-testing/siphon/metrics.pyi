"""Prometheus metrics for scripts: counters, gauges and histograms on the admin listener's /metrics.

Register at module level (``ORDERS = metrics.counter("orders", "orders placed", labels=["kind"])``);
every worker's registrations of one name are one metric. A counter is exported as
``<name>_total``. Registering a name twice, or a name Prometheus would reject, raises ``ValueError``.
"""

from typing import Any, Iterable, TypeVar

__all__ = ["counter", "gauge", "histogram"]

_M = TypeVar("_M", bound="_Metric")

class _Metric:
    """A metric family, or one labelled child of it (``labels(...)``)."""

    def __init__(self, name: str, labels: tuple[str, ...], j: Any, child: bool) -> None: ...
    def labels(self: _M, *values: object, **kw: object) -> _M:
        """The child for these label values, by name (``labels(kind="web")``) or in order."""

class Counter(_Metric):
    def inc(self, amount: float = 1) -> None:
        """Adds ``amount`` (>= 0; a counter only goes up)."""

class Gauge(_Metric):
    def inc(self, amount: float = 1) -> None: ...
    def dec(self, amount: float = 1) -> None: ...
    def set(self, value: float) -> None: ...

class Histogram(_Metric):
    def observe(self, value: float) -> None: ...

def counter(name: str, help: str, labels: Iterable[str] | None = None) -> Counter:
    """A counter: ``.inc(amount=1)``; with labels, ``.labels(**values).inc()``."""

def gauge(name: str, help: str, labels: Iterable[str] | None = None) -> Gauge:
    """A gauge: ``.set(v)``, ``.inc(amount=1)``, ``.dec(amount=1)``."""

def histogram(name: str, help: str, labels: Iterable[str] | None = None,
              buckets: Iterable[float] | None = None) -> Histogram:
    """A histogram: ``.observe(v)``; ``buckets`` are the upper bounds (default .005 to 10 seconds)."""
