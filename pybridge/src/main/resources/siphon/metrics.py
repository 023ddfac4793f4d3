"""Prometheus metrics for scripts: counters, gauges and histograms on the admin listener's /metrics.

A script imports ``metrics`` from ``siphon`` and registers at module level:

    ORDERS = metrics.counter("orders", "orders placed", labels=["kind"])
    LATENCY = metrics.histogram("payment_seconds", "payment call time", buckets=[.05, .1, .25, .5, 1])

    @http.route("/orders", methods=["POST"])
    async def place(req):
        ORDERS.labels(kind="web").inc()
        ...

One registry serves the whole process: every worker context runs the script and registers the
same metrics, and they are one metric (a counter incremented in two workers shows the sum).
Registering a name twice in one script raises ``ValueError``, as does a name or label name
Prometheus would reject. A counter is exported as ``<name>_total``. A family keeps at most
1,000 label combinations; past that, new ones are not recorded (a warning is logged once and
``siphon_metrics_series_dropped_total`` counts them), so label values taken from requests
cannot exhaust memory.
"""

from siphon import _java

__all__ = ["counter", "gauge", "histogram"]


class _Metric:
    """A metric family, or one labelled child of it (``labels(...)``)."""

    __slots__ = ("_name", "_labels", "_j", "_child")

    def __init__(self, name, labels, j, child):
        self._name = name
        self._labels = labels
        self._j = j
        self._child = child

    def labels(self, *values, **kw):
        """The child for these label values, by name (``labels(kind="web")``) or in order."""
        if self._child:
            raise ValueError(f"{self._name}: labels() was already applied")
        if not self._labels:
            raise ValueError(f"{self._name} has no labels")
        if values and kw:
            raise ValueError(f"{self._name}: give label values by name or in order, not both")
        if kw:
            if set(kw) != set(self._labels):
                raise ValueError(f"{self._name} has labels {list(self._labels)}, given {sorted(kw)}")
            values = [kw[n] for n in self._labels]
        elif len(values) != len(self._labels):
            raise ValueError(f"{self._name} has labels {list(self._labels)}, given {len(values)} value(s)")
        return type(self)(self._name, self._labels, self._j.labels([str(v) for v in values]), True)

    def _target(self):
        if self._labels and not self._child:
            raise ValueError(f"{self._name} has labels {list(self._labels)}: use .labels(...) first")
        return self._j


def _amount(amount):
    if isinstance(amount, bool) or not isinstance(amount, (int, float)):
        raise TypeError(f"amount must be a number, not {type(amount).__name__}")
    return float(amount)


class Counter(_Metric):
    __slots__ = ()

    def inc(self, amount=1):
        """Adds ``amount`` (>= 0; a counter only goes up)."""
        a = _amount(amount)
        if not a >= 0 or a == float("inf"):
            raise ValueError(f"{self._name}: a counter goes up by a finite amount >= 0, not {amount}")
        self._target().inc(a)


class Gauge(_Metric):
    __slots__ = ()

    def inc(self, amount=1):
        self._target().inc(_amount(amount))

    def dec(self, amount=1):
        self._target().inc(-_amount(amount))

    def set(self, value):
        self._target().set(_amount(value))


class Histogram(_Metric):
    __slots__ = ()

    def observe(self, value):
        v = _amount(value)
        if v != v:
            raise ValueError(f"{self._name}: a histogram observes a number, not NaN")
        self._target().observe(v)


def _register(cls, kind, name, help, labels, buckets=None):
    if not isinstance(name, str):
        raise TypeError(f"metric name must be str, not {type(name).__name__}")
    if not isinstance(help, str):
        raise TypeError(f"{name}: help must be str, not {type(help).__name__}")
    if isinstance(labels, str):
        raise TypeError(f"{name}: labels is a list of names, not a str")
    labels = tuple(labels or ())
    for n in labels:
        if not isinstance(n, str):
            raise TypeError(f"{name}: label names are str, not {type(n).__name__}")
    if buckets is not None:
        buckets = [_amount(b) for b in buckets]
    j = _java.bridge.metric(kind, name, help, list(labels), buckets)
    if j is None:
        raise ValueError(_java.bridge.metricError())
    return cls(name, labels, j, False)


def counter(name, help, labels=None):
    """A counter: ``.inc(amount=1)``; with labels, ``.labels(**values).inc()``."""
    return _register(Counter, "counter", name, help, labels)


def gauge(name, help, labels=None):
    """A gauge: ``.set(v)``, ``.inc(amount=1)``, ``.dec(amount=1)``."""
    return _register(Gauge, "gauge", name, help, labels)


def histogram(name, help, labels=None, buckets=None):
    """A histogram: ``.observe(v)``; ``buckets`` are the upper bounds (default .005 to 10 seconds)."""
    return _register(Histogram, "histogram", name, help, labels, buckets)
