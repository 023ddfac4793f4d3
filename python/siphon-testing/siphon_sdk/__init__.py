"""siphon_sdk (compatibility): the parts of the siphon SDK's test API that concern siphon-http.

Tests written for the SDK's ``siphon_sdk.http_testing.HttpTestHarness`` run unchanged on top of
``siphon_testing`` and the ``siphon`` stand-ins of siphon-http-testing (docs/testing.md, "Tests
written for the siphon SDK"). Only the http, log, cache, metrics and timer namespaces exist
here; the SDK's SIP, SMPP and other namespaces do not.
"""
