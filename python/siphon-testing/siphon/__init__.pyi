"""siphon: the namespace siphon-http scripts import (``from siphon import http, log, cache, metrics, timer``).

Type stubs only: the modules are installed into each worker context by siphon-http itself.
"""
