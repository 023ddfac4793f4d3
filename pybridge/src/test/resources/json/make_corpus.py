"""Writes corpus.jsonl: JSON documents with what CPython's json.loads makes of them.

Run with Debian's CPython (/usr/bin/python3 make_corpus.py) when the cases change; the
file is committed. JsonFastPathTest runs every case through json.loads inside a worker
context (the fast path of siphon/_json.py) and compares the result, or the error with its
message and position, with CPython's and with GraalPy's own standard scanner.
"""
import json
import sys

sys.path.insert(0, ".")
from canon import canon  # noqa: E402  (shared with the worker-side check)

DEEP = 600  # beyond JsonTape.MAX_DEPTH: the standard path's result

CASES = [
    # scalars
    "0", "-0", "1", "-1", "42", " 7 ", "\t\n\r 7\r\n",
    "123456789012345678", "-123456789012345678", "1234567890123456789", "-1234567890123456789",
    "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
    "123456789012345678901234567890123456789012345678901234567890",
    "1.5", "-0.0", "0.0", "1e10", "1E10", "1e+10", "1e-5", "1E-5", "-1.25e-3", "1e400", "-1e400",
    "1.7976931348623157e308", "5e-324", "2.2250738585072014e-308", "0.1", "1.0000000000000002",
    "123.456e-7", "3.141592653589793238462643383279", "1e5", "0e0", "0.0e-0",
    "true", "false", "null", "NaN", "Infinity", "-Infinity", "[NaN, Infinity, -Infinity]",
    # strings
    '""', '"abc"', '"\\"\\\\\\/\\b\\f\\n\\r\\t"', '"\\u00e9"', '"\\u00E9"', '"\\u20ac"', '"caf\u00e9"',
    '"\\ud83d\\ude00"', '"\U0001F600"', '"x\\ud83d\\ude00y"', '"\\ud83d"', '"\\ude00"', '"\\ud83dx"',
    '"\\ude00\\ud83d"', '"\\ud83d\\ud83d\\ude00"', '"\\u0000"', '"\\u001f"', '"a\\u0000b"',
    '"\u2028\u2029"', '"' + "long " * 200 + '"', '"\\\\u00e9"',
    # containers
    "[]", "{}", "[ ]", "{ }", " [ 1 , 2 ] ", '{"a": 1, "b": [true, false, null], "c": {"d": "e"}}',
    '{"a": 1, "a": 2}', '{"b": 1, "a": 2, "b": 3}', '{"": 0}', '{"\\u00e9": "\\u00e9"}',
    '[[[[[[[[[[1]]]]]]]]]]', '[{}, [], {"a": []}, [{}]]', '[1, 1.0, "1", true, null]',
    '{"k": -0, "f": -0.0, "big": 12345678901234567890, "neg": -12345678901234567890}',
    "[" * 100 + "]" * 100, "[" * DEEP + "]" * DEEP, '{"a":' * DEEP + "1" + "}" * DEEP,
    json.dumps({"order": 1, "items": [{"sku": "A%d" % i, "qty": i, "price": i * 1.1} for i in range(20)]}),
    # errors
    "", " ", "[", "]", "[1,", "[1 2]", "[1,]", "[,1]", '{"a" 1}', '{"a":1,}', '{"a":1 "b":2}', "{1:2}",
    "{'a':1}", '{"a"', '{"a":', "tru", "nul", "fals", "True", "01", "-01", "1.", "1.e5", "-", "--1",
    "+1", ".5", "1e", "1e+", "1ee5", "0x10", '"abc', '"a\nb"', '"a\tb"', '"\\x"', '"\\u12"', '"\\u12G4"',
    '"\\ud83d\\u12"', "[1]x", "1 2", '{"a":1}}', "[1]]", "nan", "inf", "-Infinit", "NaNa",
    "1\u0661", "[\u0661]", "\u0661", "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 12]",
    '{"a": [1, {"b": [2, "x" "y"]}]}', "\ufeff[1]",
]

BYTES = [
    ("utf-8", '{"a": [1, 2.5, "\u00e9\U0001F600"]}'),
    ("utf-16", '{"a": [1, 2.5, "\u00e9"]}'),
    ("utf-8-sig", "[1, 2]"),
]


def outcome(doc):
    try:
        return {"expect": ascii(canon(json.loads(doc)))}
    except json.JSONDecodeError as e:
        return {"error": f"JSONDecodeError: {e.msg} pos={e.pos} lineno={e.lineno} colno={e.colno}"}
    except Exception as e:  # noqa: BLE001  (RecursionError, TypeError, ...)
        return {"error": f"{type(e).__name__}"}


with open("corpus.jsonl", "w", encoding="ascii") as out:
    for doc in CASES:
        out.write(json.dumps({"doc": doc, **outcome(doc)}) + "\n")
    for enc, text in BYTES:
        out.write(json.dumps({"doc": text, "encoding": enc, **outcome(text.encode(enc))}) + "\n")
print(f"{len(CASES) + len(BYTES)} cases written to corpus.jsonl by Python {sys.version.split()[0]}")
