"""siphon_sdk.http (compatibility): the SDK's names for the ``siphon.http`` classes.

``MockResponse`` is ``siphon.http.Response``, ``MockClient`` is ``siphon.http.Client``,
``HttpStatusError`` is ``siphon.http.HTTPStatusError``; ``MockRequest`` is a
``siphon.http.Request`` built with the SDK's keyword-only constructor (every argument has a
default, ``method`` is upper-cased, a ``str`` body is encoded as UTF-8).
"""

from siphon import http as _http

MockResponse = _http.Response
MockClient = _http.Client
HttpStatusError = _http.HTTPStatusError

__all__ = ["MockRequest", "MockResponse", "MockClient", "MockHttp", "HttpStatusError"]


class MockRequest(_http.Request):
    """An inbound request as the SDK's tests build one: ``MockRequest(headers={...}, body="hi")``."""

    __slots__ = ()

    def __init__(self, *, method="GET", path="/", path_params=None, query_params=None, headers=None,
                 client="127.0.0.1:0", body=b"", tls=None, query_string="", request_id=""):
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        else:
            body = bytes(body)
        super().__init__(method.upper(), path, path_params, headers, query_params, client, body, tls,
                         query_string, request_id)


class MockHttp:
    """What ``mock_module.get_http()`` returns: the outbound calls' record and canned answers."""

    Request = MockRequest
    Response = MockResponse
    Client = MockClient

    def __init__(self, out):
        self._out = out

    @property
    def sent_requests(self):
        return self._out.sent_requests

    def add_response(self, response):
        self._out.queue.append(response)

    def set_response(self, path, response):
        self._out.per_path[path] = response

    def set_default_response(self, response):
        self._out.default = response

    def clear(self):
        self._out.clear()
