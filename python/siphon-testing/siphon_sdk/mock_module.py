"""siphon_sdk.mock_module (compatibility): ``install``, ``reset`` and the ``get_*`` accessors.

``install()`` returns the ``siphon`` stand-in package (siphon-http-testing's, a real package:
nothing is swapped in ``sys.modules``) after pointing ``http.Client`` calls at the SDK-style
canned answers of ``get_http()``. ``get_registry().handlers`` lists what the script registered
in the SDK's shape: ``{"http.route": [(None, fn, is_async, {"path": ..., "methods": [...]})],
"http.middleware": [...], "http.startup": [...], "http.shutdown": [...]}``.
"""

import inspect

import siphon
from siphon import cache as _cache
from siphon import http as _http
from siphon import log as _log
from siphon import metrics as _metrics
from siphon import timer as _timer
from siphon_sdk.http import MockHttp
from siphon_testing import _harness

__all__ = ["install", "reset", "get_registry", "get_http", "get_log", "get_cache", "get_metrics", "get_timer"]

_out = _harness._Outbound(sdk=True)


class _Registry:
    """The script's registrations in the shape of the SDK's handler registry."""

    @property
    def handlers(self):
        h = {}
        for event, fns in (("http.middleware", _http._middleware), ("http.startup", _http._startup),
                           ("http.shutdown", _http._shutdown)):
            if fns:
                h[event] = [(None, fn, inspect.iscoroutinefunction(fn), {}) for fn in fns]
        if _http._routes:
            h["http.route"] = [(None, fn, inspect.iscoroutinefunction(fn), {"path": p, "methods": list(ms)})
                               for p, ms, fn in _http._routes]
        return h

    def clear(self):
        _http._reset()


class _Log(_harness._Log):
    """The captured log, with the SDK's MockLog methods."""

    def debug(self, msg):
        _log.debug(msg)

    def info(self, msg):
        _log.info(msg)

    def warn(self, msg):
        _log.warn(msg)

    def warning(self, msg):
        _log.warning(msg)

    def error(self, msg):
        _log.error(msg)


_registry = _Registry()
_http_ns = MockHttp(_out)
_log_ns = _Log()
_cache_ns = _harness._Cache()
_metrics_ns = _harness._Metrics()


def install():
    """Makes ``siphon`` ready for SDK-style tests; returns the ``siphon`` package."""
    for m in (_http, _log, _cache, _metrics, _timer):
        setattr(siphon, m.__name__.rsplit(".", 1)[1], m)
    if _http._named_clients == {}:
        _http._named_clients = None  # the SDK's mock: any client name
    _http._client_call = _out.call
    return siphon


def reset():
    """Forgets registrations, outbound calls and canned answers, log messages, caches, metrics and timers."""
    _http._reset()
    _http._named_clients = None
    _out.clear()
    _cache._reset(None)
    del _log._messages[:]
    _metrics._reset()
    _timer._reset()


def get_registry():
    return _registry


def get_http():
    return _http_ns


def get_log():
    return _log_ns


def get_cache():
    return _cache_ns


def get_metrics():
    return _metrics_ns


def get_timer():
    return _timer
