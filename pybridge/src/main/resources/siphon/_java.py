"""Where siphon meets Java: the one module that holds the worker's Java object. Not script API.

Each worker context gets one Java object, the worker's ``dev.siphon.http.py.Bridge``. The
importer (``dev/siphon/http/py/boot.py``) hands it to ``install`` before the runtime starts;
every other siphon module reaches Java only as ``_java.bridge.<method>(...)``. This module
imports no other part of siphon: ``http``, ``cache``, ``log``, ``_json``, ``_aio`` and
``_runtime`` import it, and above it the modules import one another one way only
(``_runtime`` imports ``http``, never the reverse; SiphonImportsTest checks both).

What crosses the bridge, and in which form:

- a list of names and values (headers, query and path parameters) as a flat Java
  ``String[]`` (name, value, ...), which ``pairs`` turns into a dict;
- bytes from Java as a Latin-1 ``str`` (one char per byte), which Python encodes back in
  bulk; bytes to Java as Python ``bytes``, which Java reads through the buffer API;
- a failed outbound call as an error kind: a name declared once on each side
  (``ClientErrorKind`` in Java, ``http._ERROR_KINDS`` here), never a Java class name.
"""

bridge = None  # the worker's dev.siphon.http.py.Bridge, from install()


def install(b):
    """Called once per context by the importer, with the worker's Bridge."""
    global bridge
    bridge = b


def pairs(a):
    """A flat Java array (name, value, ...) as a dict; the last value wins for a repeated name."""
    d = {}
    n = len(a)
    i = 0
    while i < n:
        d[a[i]] = a[i + 1]
        i += 2
    return d
