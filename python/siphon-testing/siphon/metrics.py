"""Prometheus metrics for scripts: counters, gauges and histograms on the admin listener's /metrics.

CPython stand-in (siphon-http-testing): the same registration rules (names and label names
Prometheus accepts, a name registered once), and the values are kept in memory, where
``siphon_testing.HttpTestHarness.metrics`` reads them (docs/testing.md).
"""

import re as _re

__all__ = ["counter", "gauge", "histogram"]

_NAME = _re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = _re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_DEFAULT_BUCKETS = (.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10)
_MAX_SERIES = 1000
_families = {}  # name -> _Family, read by siphon_testing


class _Family:
    """One registered metric: kind, label names and, per label values, a value (a list for a histogram)."""

    def __init__(self, kind, name, help, labels, buckets):
        self.kind = kind
        self.name = name
        self.help = help
        self.labels = labels
        self.buckets = buckets
        self.series = {}  # tuple of label values -> float, or list of observed values
        self.dropped = 0

    def _series(self, values):
        s = self.series
        if values not in s:
            if len(s) >= _MAX_SERIES:
                self.dropped += 1
                return None
            s[values] = [] if self.kind == "histogram" else 0.0
        return values

    def inc(self, values, a):
        if self._series(values) is not None:
            self.series[values] += a

    def set(self, values, a):
        if self._series(values) is not None:
            self.series[values] = a

    def observe(self, values, a):
        if self._series(values) is not None:
            self.series[values].append(a)


class _Child:
    __slots__ = ("_f", "_v")

    def __init__(self, family, values):
        self._f = family
        self._v = values

    def labels(self, values):
        return _Child(self._f, tuple(values))

    def inc(self, a):
        self._f.inc(self._v, a)

    def set(self, a):
        self._f.set(self._v, a)

    def observe(self, a):
        self._f.observe(self._v, a)


def _reset():
    """Forgets every metric (siphon_testing calls it for each new harness)."""
    _families.clear()


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


def _check(kind, name, labels):
    if not _NAME.fullmatch(name):
        return f"invalid metric name '{name}': letters, digits, '_' and ':', not starting with a digit"
    for s in ("_bucket", "_sum", "_count", "_created"):
        if name.endswith(s):
            return f"invalid metric name '{name}': the suffix {s} is what histograms write"
    seen = []
    for n in labels:
        if not _LABEL.fullmatch(n) or n.startswith("__"):
            return f"{name}: invalid label name '{n}': letters, digits and '_', not starting with a digit or '__'"
        if kind == "histogram" and n == "le":
            return f"{name}: the label name le is reserved for this type"
        if n in seen:
            return f"{name}: label name {n} given twice"
        seen.append(n)
    base = name[:-len("_total")] if kind == "counter" and name.endswith("_total") else name
    for taken in _families:
        if taken == base or taken + "_total" == base or base + "_total" == taken:
            return f"a metric named '{base}' is already registered"
    return None


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
    bad = _check(kind, name, labels)
    if bad is not None:
        raise ValueError(bad)
    base = name[:-len("_total")] if kind == "counter" and name.endswith("_total") else name
    f = _families[base] = _Family(kind, base, help, labels,
                                  tuple(buckets) if buckets is not None else _DEFAULT_BUCKETS)
    return cls(name, labels, _Child(f, ()), False)


def counter(name, help, labels=None):
    """A counter: ``.inc(amount=1)``; with labels, ``.labels(**values).inc()``."""
    return _register(Counter, "counter", name, help, labels)


def gauge(name, help, labels=None):
    """A gauge: ``.set(v)``, ``.inc(amount=1)``, ``.dec(amount=1)``."""
    return _register(Gauge, "gauge", name, help, labels)


def histogram(name, help, labels=None, buckets=None):
    """A histogram: ``.observe(v)``; ``buckets`` are the upper bounds (default .005 to 10 seconds)."""
    return _register(Histogram, "histogram", name, help, labels, buckets)
