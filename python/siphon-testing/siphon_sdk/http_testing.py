"""siphon_sdk.http_testing (compatibility): the SDK's HttpTestHarness on siphon_testing's.

A ``siphon_testing.HttpTestHarness`` (the engine's routing, answers and response rules) that
keeps the SDK harness's behaviour where the two differ, so the SDK's tests pass unchanged:

- a path whose routes lack the method answers 404 (the engine: 405 with ``allow``);
- the request method is upper-cased;
- ``http.Client("any-name")`` works without a ``clients`` config, and a relative path on a
  client without ``base_url`` is sent to that path (the engine: ``LookupError``, ``ValueError``);
- an outbound call with no canned answer gets an empty 200 (siphon_testing: ``UnexpectedRequest``);
- ``request(..., path_params={...})`` overrides the matched parameters; ``harness.http`` is
  ``mock_module.get_http()``.

New tests should use ``siphon_testing.HttpTestHarness``, which answers as the engine does.
"""

from siphon_sdk import mock_module
from siphon_testing import _harness, _router

__all__ = ["HttpTestHarness"]


def _match_route(pattern, path):
    """The path parameters of ``path`` under ``pattern`` by the engine's rules, or None."""
    r = _router.Router()
    r.add(["GET"], pattern, pattern)
    m = r.match("GET", path)
    return m[2] if m[0] == "found" else None


class HttpTestHarness(_harness.HttpTestHarness):
    _sdk = True

    def __init__(self, config=None):
        mock_module.reset()
        mock_module.install()
        self._forced_params = None
        super().__init__(config)

    def _outbound(self):
        return mock_module._out

    @property
    def http(self):
        return mock_module.get_http()

    def request(self, method="GET", path="/", *, headers=None, query_params=None, path_params=None, body=None,
                client="127.0.0.1:0", tls=None, client_cert=None):
        self._forced_params = path_params
        try:
            return super().request(method, path, headers=headers, query_params=query_params, body=body,
                                   client=client, tls=tls, client_cert=client_cert)
        finally:
            self._forced_params = None

    def _match(self, method, raw_path):
        m = super()._match(method, raw_path)
        if m[0] == "found" and self._forced_params is not None:
            return ("found", m[1], dict(self._forced_params))
        return m
