# JsonFastPathTest: runs ../json/corpus.jsonl through json.loads in a worker context, where
# siphon/_json.py's fast path is installed, and compares every result or error with CPython's
# (recorded in the corpus) and with GraalPy's standard scanner (json.JSONDecoder(), which the
# fast path never touches). GET /corpus answers "ok N" or one line per mismatch.
import json
import os
import sys

from siphon import http

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "json"))
from canon import canon  # noqa: E402

STANDARD = json.JSONDecoder()  # a decoder of its own: GraalPy's built-in scanner

# Where GraalPy 25.0's own json (its built-in scanner) differs from CPython 3.11/3.12: the
# fast path falls back to that scanner for errors, so it gives GraalPy's answer here.
GRAALPY_DIFFERS = {
    '"\\x"',      # CPython: "Invalid \\escape" at 1; GraalPy: "Invalid escape" at 2
    '"\\u12G4"',  # CPython: "Invalid \\uXXXX escape" at 2; GraalPy: at 5
}


def outcome(fn, arg):
    try:
        return ascii(canon(fn(arg)))
    except json.JSONDecodeError as e:
        return f"JSONDecodeError: {e.msg} pos={e.pos} lineno={e.lineno} colno={e.colno}"
    except Exception as e:  # noqa: BLE001
        return type(e).__name__


def standard_loads(s):
    # json.loads itself (BOM check, bytes decoding) with GraalPy's scanner under it
    from siphon import _json
    _json.uninstall()
    try:
        return json.loads(s)
    finally:
        _json.install()


@http.route("/corpus")
def corpus(req):
    with open(os.path.join(HERE, "..", "json", "corpus.jsonl"), encoding="ascii") as f:
        cases = [STANDARD.decode(line) for line in f if line.strip()]
    bad = []
    for c in cases:
        doc = c["doc"]
        arg = doc.encode(c["encoding"]) if "encoding" in c else doc
        fast = outcome(json.loads, arg)
        std = outcome(standard_loads, arg)
        cpython = c.get("expect") or c["error"]
        if fast != std:
            bad.append(f"{ascii(doc[:60])}: fast path {fast[:200]} but GraalPy's standard scanner {std[:200]}")
        if doc in GRAALPY_DIFFERS:
            if std == cpython:
                bad.append(f"{ascii(doc[:60])}: GraalPy now agrees with CPython: drop it from GRAALPY_DIFFERS")
        elif fast != cpython:
            bad.append(f"{ascii(doc[:60])}: fast path {fast[:200]} but CPython {cpython[:200]}")
    return http.Response(body="\n".join(bad) if bad else f"ok {len(cases)}")


@http.route("/installed")
def installed(req):
    # the fast path is what json.loads uses, and it yields plain Python types
    v = json.loads('{"a": [1, 2.5, "x", true, null, 123456789012345678901]}')
    types = ",".join(type(x).__name__ for x in v["a"])
    return http.Response(body=f"{json._default_decoder.scan_once.__name__} {types}")


@http.route("/kwargs")
def kwargs(req):
    # keyword arguments take json's own decoder, hooks and all
    from decimal import Decimal
    a = json.loads('{"x": 1.5, "y": [1]}', parse_float=Decimal, object_hook=lambda d: sorted(d))
    b = json.loads('[1, 2]', parse_int=str)
    return http.Response(body=f"{a!r} {b!r}")
