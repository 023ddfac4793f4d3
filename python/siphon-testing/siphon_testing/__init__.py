"""siphon_testing: test siphon-http scripts under plain CPython and pytest (docs/testing.md).

    from siphon_testing import HttpTestHarness
    from siphon import http

    def test_hello():
        with HttpTestHarness() as h:
            h.load_script("hello.py")
            resp = h.request("GET", "/hello/ada")
            assert resp.status == 200 and resp.body == b"hi ada"

The harness answers requests as the engine would (its routing, 404/405/400 answers, HEAD,
500 for a handler that raises), answers the script's ``http.Client`` calls with canned
responses, and exposes what the script logged, cached, measured and scheduled. The same API
runs inside the engine (``bin/siphon-http test``).
"""

from siphon_testing._harness import HarnessError, HttpTestHarness, StreamedResponse, UnexpectedRequest

__all__ = ["HttpTestHarness", "UnexpectedRequest", "HarnessError", "StreamedResponse"]
