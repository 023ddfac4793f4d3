"""siphon_testing.HttpTestHarness under plain CPython: routing, answers, outbound calls, namespaces."""

import json
import pathlib
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from siphon import http
from siphon_testing import HarnessError, HttpTestHarness, UnexpectedRequest

SCRIPT = '''
from siphon import http, log, cache, metrics, timer

HITS = metrics.counter("hits", "requests served", labels=["route"])
SIZES = metrics.histogram("sizes", "body sizes")

@http.middleware
def guard(req):
    if req.header("x-block") is not None:
        return http.Response(status=403, body=b"blocked")
    return None

@http.route("/users/{id}")
def user(req):
    HITS.labels(route="user").inc()
    return http.Response(body=f"user {req.path_params['id']}")

@http.route("/users/me")
def me(req):
    return http.Response(body=b"me")

@http.route("/files/{*rest}")
def files(req):
    return http.Response(body=req.path_params["rest"])

@http.route("/items", methods=["POST", "PUT"])
async def create(req):
    SIZES.observe(len(req.body()))
    await cache.store("items", "last", req.body().decode())
    return http.Response(status=201, headers={"Content-Type": "application/json", "X-Multi": ["a", "b"]},
                         body=req.body())

@http.route("/echo")
def echo(req):
    return http.Response(headers={"content-type": "application/json"}, body=__import__("json").dumps({
        "method": req.method, "path": req.path, "query": req.query_params, "qs": req.query_string,
        "client": req.client, "scheme": req.scheme, "rid": req.request_id, "ua": req.header("User-Agent"),
        "tls": None if req.tls is None else [req.tls.protocol, req.tls.alpn],
        "cert": None if req.client_cert is None else req.client_cert.subject}))

@http.route("/boom")
def boom(req):
    raise RuntimeError("kaput")

@http.route("/none")
async def none(req):
    log.warn("returning nothing")

@http.route("/nocontent")
def nocontent(req):
    return http.Response(status=204, body=b"ignored")

@http.route("/framing")
def framing(req):
    return http.Response(headers={"Content-Length": "999", "Date": "x", "x-request-id": "mine"}, body=b"abc")

@http.route("/badheader")
def badheader(req):
    return http.Response(headers={"x-bad": "a\\r\\nb"})

@http.route("/proxy/{what}")
async def proxy(req):
    api = http.Client("api")
    r = await api.get(f"/v1/{req.path_params['what']}", headers={"accept": "application/json"})
    return http.Response(status=r.status, headers={"x-upstream": r.headers.get("x-up", "")}, body=r.body)

@http.route("/safe")
async def safe(req):
    try:
        r = await http.Client(base_url="https://api.example.com").post("/v1/x", body="payload")
    except http.TimeoutError:
        return http.Response(status=504)
    except http.ClientError as e:
        return http.Response(status=502, body=type(e).__name__)
    return http.Response(status=r.status)

@timer.every(seconds=30, name="refresh")
async def refresh():
    await cache.incr("jobs", "refresh")

@http.route("/arm")
def arm(req):
    timer.set("order-1", 20_000, lambda key: log.info(f"{key} expired"))
    return http.Response()

@http.on_startup
async def warm():
    log.info("warm")
    await cache.store("boot", "at", 1)

@http.on_shutdown
def bye():
    log.info("bye")
'''

CONFIG = {"clients": {"api": {"base_url": "https://api.example.com/"}}}


@pytest.fixture
def h():
    with HttpTestHarness(config=CONFIG) as harness:
        harness.load_source(SCRIPT, "app.py")
        yield harness


def test_static_beats_param_and_params_decode(h):
    assert h.request("GET", "/users/42").body == b"user 42"
    assert h.request("GET", "/users/me").body == b"me"
    assert h.request("GET", "/users/a%20b").body == b"user a b"
    assert h.request("GET", "/users/caf%C3%A9").body == "user café".encode()
    assert h.request("GET", "/files/a/b%2Fc").body == b"a/b/c"


def test_unknown_path_is_404_not_an_exception(h):
    r = h.request("GET", "/nope")
    assert r.status == 404
    assert r.body == b"404 Not Found\n"
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["content-length"] == "14"
    assert h.request("GET", "/users/").status == 404  # a parameter needs a non-empty segment
    assert h.request("GET", "/files/").status == 404  # a catch-all needs one character


def test_wrong_method_is_405_with_allow(h):
    r = h.request("DELETE", "/items")
    assert r.status == 405
    assert r.headers["allow"] == "POST, PUT"
    assert r.body == b"405 Method Not Allowed\n"
    assert h.request("POST", "/users/1").headers["allow"] == "GET, HEAD"
    assert h.request("get", "/users/1").status == 405  # methods compare exactly


def test_malformed_parameter_is_400(h):
    r = h.request("GET", "/users/%E9")
    assert r.status == 400 and r.body == b"400 Bad Request\n"
    assert h.request("GET", "/users/%zz").status == 400


def test_head_is_get_without_body(h):
    r = h.request("HEAD", "/users/7")
    assert r.status == 200 and r.body == b"" and r.headers["content-length"] == "6"


def test_middleware_short_circuits(h):
    r = h.request("GET", "/users/1", headers={"X-Block": "1"})
    assert (r.status, r.body) == (403, b"blocked")
    assert h.metrics.value("hits", route="user") == 0.0


def test_handler_raising_or_returning_none_is_500(h, capfd):
    r = h.request("GET", "/boom")
    assert r.status == 500 and r.body == b"500 Internal Server Error\n"
    err = capfd.readouterr().err
    assert "RuntimeError: kaput" in err and 'File "app.py"' in err
    assert h.request("GET", "/none").status == 500
    assert ("warn", "returning nothing") in h.log.messages


def test_request_fields(h):
    r = h.request("GET", "/echo?a=1&a=2&b=x+y&c", headers={"User-Agent": "t", "X-Request-Id": "rid-1"},
                  query_params={"d": "é"}, client="10.0.0.1:5000")
    e = json.loads(r.body)
    assert e["query"] == {"a": "2", "b": "x y", "c": "", "d": "é"}
    assert e["qs"] == "a=1&a=2&b=x+y&c&d=%C3%A9"
    assert e["client"] == "10.0.0.1:5000" and e["scheme"] == "http" and e["tls"] is None
    assert e["rid"] == "rid-1" and r.headers["x-request-id"] == "rid-1"
    assert e["ua"] == "t"
    t = json.loads(h.request("GET", "/echo", client_cert={"subject": "CN=alice", "issuer": "CN=ca"}).body)
    assert t["scheme"] == "https" and t["tls"] == ["TLSv1.3", None] and t["cert"] == "CN=alice"
    t = json.loads(h.request("GET", "/echo", tls={"alpn": "h2"}).body)
    assert t["tls"] == ["TLSv1.3", "h2"] and t["cert"] is None


def test_the_request_reaches_the_script_as_the_engine_reads_it():
    with HttpTestHarness() as h:
        h.load_source("from siphon import http\n\n@http.route('/', methods=['GET', 'POST', 'DELETE'])\n"
                      "def x(req):\n    return http.Response(body=repr(list(req.headers.items())))\n")
        assert h.request("GET", "/").body == b"[('host', 'localhost')]"
        assert h.request("POST", "/").body == b"[('host', 'localhost'), ('content-length', '0')]"
        assert h.request("DELETE", "/", headers={"Transfer-Encoding": "chunked"}).body == b"[('host', 'localhost')]"
        r = h.request("POST", "/", headers={"X-A": "1", "Host": "a.example", "Content-Length": "99", "x-a": "2"},
                      body=b"x")
        assert r.body == b"[('x-a', '1, 2'), ('host', 'a.example'), ('content-length', '1')]"
        r = h.request("POST", "/", headers={"X-A": "1"}, body={"a": 1})
        assert r.body == (b"[('x-a', '1'), ('content-type', 'application/json'), ('host', 'localhost'), "
                          b"('content-length', '8')]")


@pytest.mark.parametrize("given, seen", [
    ("10.0.0.1:5000", "10.0.0.1:5000"),
    ("10.0.0.1", "10.0.0.1:0"),
    ("[2001:db8::7]:443", "[2001:db8:0:0:0:0:0:7]:443"),
    ("[::1]:80", "[0:0:0:0:0:0:0:1]:80"),
    ("[FE80::1%1]:7", "[fe80:0:0:0:0:0:0:1]:7"),
    ("[::ffff:1.2.3.4]:9", "1.2.3.4:9"),
])
def test_client_as_the_engine_writes_it(h, given, seen):
    # req.client is the engine's: Java's form of the address (IPv6 in full, no "::"), and a port
    assert json.loads(h.request("GET", "/echo", client=given).body)["client"] == seen


@pytest.mark.parametrize("bad", ["x:1", "2001:db8::7", "10.0.0.1:99999", "10.0.0.1:x"])
def test_a_client_that_is_not_ip_and_port_raises(h, bad):
    with pytest.raises(ValueError, match="client must be an IP address and port"):
        h.request("GET", "/echo", client=bad)


def test_json_body_headers_and_cache(h):
    r = h.request("POST", "/items", body={"n": 1})
    assert r.status == 201
    assert json.loads(r.body) == {"n": 1}
    assert r.headers["content-type"] == "application/json"
    assert r.headers["x-multi"] == "a, b"
    assert h.metrics.observations("sizes") == [8.0]
    import asyncio
    assert asyncio.run(h.cache.fetch("items", "last")) == '{"n": 1}'


def test_engine_owns_framing_and_bodyless_statuses(h):
    r = h.request("GET", "/framing")
    assert r.headers["content-length"] == "3" and "date" not in r.headers
    assert r.headers["x-request-id"] == "mine"
    r = h.request("GET", "/nocontent")
    assert r.status == 204 and r.body == b"" and "content-length" not in r.headers
    assert h.request("GET", "/badheader").status == 500


def test_outbound_canned_queue_path_default(h):
    h.add_response(http.Response(200, headers={"X-Up": "q"}, body=b"first"))
    h.set_response("/v1/b", http.Response(201, body=b"by path"))
    h.set_default_response(http.Response(202, body=b"default"))
    r = h.request("GET", "/proxy/a")
    assert (r.status, r.body, r.headers["x-upstream"]) == (200, b"first", "q")
    assert h.request("GET", "/proxy/b").status == 201
    assert h.request("GET", "/proxy/c").status == 202
    sent = h.sent_requests
    assert [s["url"] for s in sent] == ["https://api.example.com/v1/a", "https://api.example.com/v1/b",
                                         "https://api.example.com/v1/c"]
    assert sent[0]["name"] == "api" and sent[0]["path"] == "/v1/a" and sent[0]["headers"] == {
        "accept": "application/json"} and sent[0]["body"] == b""


def test_unused_queue_is_visible(h):
    extra = http.Response(200, body=b"never used")
    h.add_response(http.Response(200))
    h.add_response(extra)
    h.request("GET", "/proxy/x")
    assert h.pending_responses == [extra]


def test_uncanned_outbound_call_fails_naming_method_and_url():
    h = HttpTestHarness(config=CONFIG)
    h.load_source(SCRIPT, "app.py")
    # the script sees http.ClientError (and answers 500); the test fails at request(), naming the call
    with pytest.raises(UnexpectedRequest, match="no canned response for GET https://api.example.com/v1/x"):
        h.request("GET", "/proxy/x")
    # a script that catches ClientError answers as it chooses, and the test still fails
    with pytest.raises(UnexpectedRequest, match="no canned response for POST https://api.example.com/v1/x"):
        h.request("GET", "/safe")
    assert h.unexpected_requests == ["GET https://api.example.com/v1/x", "POST https://api.example.com/v1/x"]
    h.close()  # reported already: close does not raise again


def test_canned_exception_is_raised(h):
    h.add_response(http.TimeoutError("slow"))
    assert h.request("GET", "/safe").status == 504
    h.add_response(http.ConnectError("refused"))
    r = h.request("GET", "/safe")
    assert (r.status, r.body) == (502, b"ConnectError")
    assert h.sent_requests[0]["body"] == b"payload"


def test_pass_through_uses_the_network():
    class Upstream(BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"real {self.path}".encode()
            self.send_response(200)
            self.send_header("x-up", "net")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), Upstream)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        base = f"http://127.0.0.1:{srv.server_port}"
        with HttpTestHarness(config={"clients": {"api": {"base_url": base}}}) as h:
            h.load_source(SCRIPT, "app.py")
            h.pass_through(base)
            r = h.request("GET", "/proxy/z")
            assert (r.status, r.body, r.headers["x-upstream"]) == (200, b"real /v1/z", "net")
            assert h.sent_requests[0]["url"] == base + "/v1/z"
    finally:
        srv.shutdown()
        srv.server_close()


def test_pass_through_connect_error():
    with HttpTestHarness(config={"clients": {"api": {"base_url": "http://127.0.0.1:1"}}}) as h:
        h.load_source(SCRIPT, "app.py")
        h.pass_through()
        assert h.request("GET", "/proxy/z").status == 500


def test_script_raising_at_import_gives_its_traceback(tmp_path):
    script = tmp_path / "broken.py"
    script.write_text("from siphon import http\n\n\ndef f():\n    return 1 / 0\n\n\nf()\n")
    with HttpTestHarness() as h:
        with pytest.raises(HarnessError) as e:
            h.load_script(script)
    msg = str(e.value)
    assert f'File "{script}", line 8' in msg and f'File "{script}", line 5, in f' in msg
    assert "ZeroDivisionError" in msg
    assert "_harness.py" not in msg


def test_conflicting_routes_are_a_harness_error():
    with HttpTestHarness() as h:
        with pytest.raises(HarnessError, match=r"\{name\} and \{id\} at the same position"):
            h.load_source("from siphon import http\n"
                          "@http.route('/u/{id}')\ndef a(r): return http.Response()\n"
                          "@http.route('/u/{name}', methods=['POST'])\ndef b(r): return http.Response()\n")


def test_load_script_from_a_file_and_hooks(tmp_path):
    (tmp_path / "helper.py").write_text("GREETING = 'hi'\n")
    (tmp_path / "hello.py").write_text("from siphon import http\nimport helper\n\n"
                                       "@http.route('/hello/{name}')\n"
                                       "def hello(req):\n"
                                       "    return http.Response(body=f\"{helper.GREETING} {req.path_params['name']}\")\n")
    with HttpTestHarness() as h:
        h.load_script(str(tmp_path / "hello.py"))
        assert h.request("GET", "/hello/ada").body == b"hi ada"


def test_hooks_log_and_reset(h):
    h.run_startup()
    h.run_shutdown()
    assert h.log.messages == [("info", "warm"), ("info", "bye")]
    import asyncio
    assert asyncio.run(h.cache.fetch("boot", "at")) == 1
    h.reset()
    assert h.log.messages == [] and asyncio.run(h.cache.exists("boot", "at")) is False
    assert h.request("GET", "/users/1").status == 200  # the routes stay


def test_timers(h):
    assert h.timers == {"refresh": (30.0, 0.0)}
    h.run_timer("refresh")
    h.run_timer("refresh")
    import asyncio
    assert asyncio.run(h.cache.fetch("jobs", "refresh")) == 2
    h.request("GET", "/arm")
    assert h.armed_timers == {"order-1": 20000}
    h.fire_timer("order-1")
    assert ("info", "order-1 expired") in h.log.messages and h.armed_timers == {}
    with pytest.raises(HarnessError, match="order-1"):
        h.fire_timer("order-1")


def test_cache_semantics():
    import asyncio
    from siphon import cache
    with HttpTestHarness(config={"caches": ["sessions"]}) as h:
        h.cache.set_data("cnam", {"1234": "Sales"})

        async def go():
            assert await cache.fetch("cnam", "1234") == "Sales"
            assert await cache.store("nope", "k", "v") is False and await cache.fetch("nope", "k") is None
            assert await cache.store("sessions", "b", b"\x00\xff") is True
            assert await cache.fetch("sessions", "b") == b"\x00\xff"
            assert await cache.incr("sessions", "n", 5) == 5
            with pytest.raises(TypeError):
                await cache.incr("sessions", "b")
            assert await cache.list_push("sessions", "l:1", "x") == 1
            with pytest.raises(TypeError):
                await cache.fetch("sessions", "l:1")
            assert await cache.keys("sessions") == ["b", "l:1", "n"]
            assert await cache.list_len_sum("sessions", "l:") == 1
            with pytest.raises(ValueError):
                await cache.store("sessions", "siphon:x", 1)
            with pytest.raises(ValueError):
                await cache.store("sessions", "t", 1, ttl=0)
            assert await cache.store("sessions", "t", 1, ttl=0.001)
            await asyncio.sleep(0.01)
            assert await cache.exists("sessions", "t") is False
            assert await cache.list_pop_all("sessions", "l:1") == ["x"]

        asyncio.run(go())
        assert cache.has_cache("cnam") and not cache.has_cache("other")


def test_client_validation_follows_the_runtime():
    with HttpTestHarness(config=CONFIG) as h:
        h.load_source("from siphon import http\n")
        with pytest.raises(LookupError, match=r"no client 'nope' under clients: in http.yaml \(configured: 'api'\)"):
            http.Client("nope")
        with pytest.raises(TypeError, match="unknown setting 'base'"):
            http.Client(base="https://x")
        with pytest.raises(TypeError, match="give either a name or settings"):
            http.Client("api", timeout_ms=5)
        with pytest.raises(ValueError, match="max_response_bytes must be from 1 to 1073741824, was 0"):
            http.Client(max_response_bytes=0)
        with pytest.raises(ValueError, match="absolute http:// or https:// URL"):
            http.Client(base_url="ftp://x")
        with pytest.raises(TypeError, match="timeout_ms must be an int"):
            http.Client(timeout_ms="5")


def test_response_validation_is_the_runtime_s():
    with pytest.raises(ValueError, match="from 200 to 599"):
        http.Response(status=101)
    with pytest.raises(TypeError):
        http.Response(status="200")
    with pytest.raises(TypeError, match="bytes or str"):
        http.Response(body={"a": 1})
    with pytest.raises(http.HTTPStatusError, match="404"):
        http.Response(404).raise_for_status()
    assert issubclass(http.ConnectTimeoutError, http.ConnectError) and issubclass(http.ClientError, RuntimeError)


def test_origin_check_and_relative_url_without_base():
    import asyncio
    with HttpTestHarness(config=CONFIG) as h:
        h.set_default_response(http.Response(200))

        async def go():
            c = http.Client("api")
            with pytest.raises(http.OriginNotAllowedError):
                await c.get("https://evil.example/x")
            assert (await c.get("https://api.example.com/health")).status == 200
            with pytest.raises(ValueError, match="needs a base_url"):
                await http.Client().get("/x")
            await http.Client(base_url="https://h/v20.0/").get("/a/../b")

        asyncio.run(go())
        assert [s["url"] for s in h.sent_requests] == ["https://api.example.com/health", "https://h/v20.0/b"]


def test_example_hello_script():
    root = pathlib.Path(__file__).resolve().parents[3]
    with HttpTestHarness() as h:
        h.load_script(root / "examples" / "hello.py")
        r = h.request("GET", "/hello/world")
        assert r.status == 200 and r.body == b"hi world"
