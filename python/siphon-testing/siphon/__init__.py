"""siphon: the namespace siphon-http scripts import (``from siphon import http, log, cache, metrics, timer``).

This is the CPython stand-in of the package siphon-http installs into each worker context
(the ``siphon-http-testing`` distribution): pure Python, with the runtime's public API, so a
script can be imported and tested under plain CPython with ``siphon_testing.HttpTestHarness``
(docs/testing.md). The ``.pyi`` stubs beside the modules are what type checkers read.
"""
