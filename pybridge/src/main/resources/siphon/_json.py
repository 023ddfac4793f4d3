"""The fast path behind ``json.loads`` in a worker context. Not part of the script API.

GraalPy 25.0's built-in ``_json`` scanner converts every number through a slow generic path
(see docs/python.md for what was measured). Here, once a script imports ``json``, the
default decoder's scanner (what ``json.loads(s)`` without keyword arguments uses) is replaced
by one that lets Java scan the text into a flat tape (``dev.siphon.http.py.JsonTape``) and
assembles the dicts and lists from it in Python.

Semantics stay the standard library's: whenever the Java scanner meets anything it does not
reproduce exactly (every syntax error, NaN and Infinity, a lone surrogate escape, very deep
nesting), it gives up and the original scanner runs on the same text, so results and
``json.JSONDecodeError`` messages and positions are the ones ``json`` always gives. Calls with
keyword arguments (``object_hook``, ``parse_float``, ``cls``, ...) never come here: ``json``
builds its own decoder for them.
"""

from siphon import _java

_installed = None


def _build(t):
    """The object a tape describes (see JsonTape for its layout)."""
    types = t[0]
    n = len(types)
    c = types[0]
    if c != "{" and c != "[":
        # a scalar document
        if c == "s" or c == "i" or c == "d":
            return t[2]
        if c == "I":
            return int(t[2])
        if c == "t":
            return True
        if c == "f":
            return False
        return None
    vi = 2
    stack = []
    cur = {} if c == "{" else []
    is_dict = c == "{"
    key = None
    i = 1
    while i < n:
        c = types[i]
        i += 1
        if c == "k":
            key = t[vi]
            vi += 1
            continue
        if c == "s" or c == "i" or c == "d":
            v = t[vi]
            vi += 1
        elif c == "{" or c == "[":
            stack.append((cur, is_dict, key))
            cur = {} if c == "{" else []
            is_dict = c == "{"
            continue
        elif c == "}" or c == "]":
            if not stack:
                return cur
            v = cur
            cur, is_dict, key = stack.pop()
        elif c == "t":
            v = True
        elif c == "f":
            v = False
        elif c == "n":
            v = None
        else:  # "I": an integer longer than a Java long holds
            v = int(t[vi])
            vi += 1
        if is_dict:
            cur[key] = v
        else:
            cur.append(v)
    return cur


def _make_scan_once(scan, fallback):
    def scan_once(string, idx):
        t = scan(string, idx)
        if t is None:
            return fallback(string, idx)
        return _build(t), t[1]

    return scan_once


def install():
    """Puts the fast scanner under ``json.loads``; ``_java.bridge.jsonScan(text, idx)`` returns a tape or None.

    Installed by the runtime when a script first imports ``json`` (a context that never does
    pays nothing); called again by tests after ``uninstall``.
    """
    global _installed
    import json
    dec = json._default_decoder
    if _installed is not None:
        return
    _installed = dec.scan_once
    dec.scan_once = _make_scan_once(_java.bridge.jsonScan, _installed)


def uninstall():
    """The standard scanner again (for comparisons in tests)."""
    global _installed
    if _installed is not None:
        import json
        json._default_decoder.scan_once = _installed
        _installed = None
