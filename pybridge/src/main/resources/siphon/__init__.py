"""siphon: the namespace siphon-http scripts import (``from siphon import http, log, cache, metrics, timer``).

The modules are installed into each worker context by siphon-http itself; they are not
meant to be imported outside the server (the test harness of a later milestone mocks them).
"""
