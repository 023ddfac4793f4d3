# json.loads A/B inside a siphon-http worker context (GraalPy with the JIT), as docs/python.md
# and docs/performance.md quote it:
#   bin/siphon-http --config bench/python/json-ab.yaml --script bench/python/json_ab.py &
#   curl 'http://127.0.0.1:18490/json-ab?warm=100&rounds=7'
# Decoders: "standard" is GraalPy's built-in scanner (a json.JSONDecoder() of our own), "py" the
# standard library's pure-Python scanner (json.scanner.py_make_scanner), "fast" json.loads'
# default decoder, which siphon-http's fast path (siphon/_json.py) serves. Each case runs
# round-robin for `warm` seconds, then `rounds` times for `meas` seconds; the answer lists
# min / median / max of the thread CPU time per call (less disturbed by other processes than
# wall time; `clock=wall` measures wall-clock time instead). echo-handler is the bench's
# POST /echo-json body work: bytes -> loads -> dumps.
import json
import json.scanner
import os
import time

from siphon import http

HERE = os.path.dirname(os.path.abspath(__file__))


def documents():
    mixed = open(os.path.join(HERE, "echo.json")).read()
    numbers = json.dumps({"id": 123456789, "ts": 1763768486.123, "samples": [i * 37 % 1000 for i in range(110)],
                          "stats": {"min": -12.5, "max": 987.25, "mean": 503.125, "p50": 501, "p99": 980.5},
                          "coords": [[48.8566 + i * 0.001, 2.3522 - i * 0.002] for i in range(12)]})
    strings = json.dumps({"user": "alice", "bio": "Software engineer who likes hiking, coffee and long walks.",
                          "links": ["https://example.com/alice/%d" % i for i in range(8)],
                          "labels": {"k%d" % i: "value number %d with some text" % i for i in range(10)},
                          "quote": "She said \"hi\" \u2014 then left \U0001F600", "locale": "en-GB"})
    return {"mixed (echo.json)": mixed, "numbers": numbers, "strings": strings}


def run(f, arg, secs, clock=time.thread_time):
    n = 0
    t0 = clock()
    w0 = time.perf_counter()
    while True:
        for _ in range(10):
            f(arg)
        n += 10
        if time.perf_counter() - w0 >= secs:
            return (clock() - t0) / n * 1e6


@http.route("/json-ab")
def json_ab(req):
    q = req.query_params
    warm = float(q.get("warm", "100"))
    rounds = int(q.get("rounds", "7"))
    meas = float(q.get("meas", "1"))
    clock = time.perf_counter if q.get("clock") == "wall" else time.thread_time
    standard = json.JSONDecoder()
    py = json.JSONDecoder()
    py.scan_once = json.scanner.py_make_scanner(py)
    decoders = {"standard": standard.decode, "py": py.decode, "fast": json.loads}
    docs = documents()
    cases = {}
    for name, doc in docs.items():
        want = standard.decode(doc)
        for d, f in decoders.items():
            assert f(doc) == want, (name, d)
            cases[(name, d)] = (f, doc)
    body = docs["mixed (echo.json)"].encode()

    def echo(f):
        def handler(b):
            doc = f(b.decode("utf-8"))
            doc["echoed"] = True
            return json.dumps(doc)
        return handler

    cases[("echo-handler", "standard")] = (echo(standard.decode), body)
    cases[("echo-handler", "fast")] = (echo(json.loads), body)
    cases[("dumps (echo.json)", "-")] = (json.dumps, json.loads(body))
    w0 = time.perf_counter()
    while time.perf_counter() - w0 < warm:
        for f, a in cases.values():
            run(f, a, 0.1, clock)
    res = {k: [] for k in cases}
    for _ in range(rounds):
        for k, (f, a) in cases.items():
            res[k].append(run(f, a, meas, clock))
    what = "wall-clock" if clock is time.perf_counter else "thread CPU"
    lines = [f"json A/B: {warm:.0f} s warm-up, {rounds} x {meas:.1f} s, {what} µs per call (min / median / max)"]
    for (name, d), r in res.items():
        r.sort()
        lines.append(f"{name:20s} {d:9s} {r[0]:9.2f} {r[len(r) // 2]:9.2f} {r[-1]:9.2f}")
    return http.Response(body="\n".join(lines) + "\n")
