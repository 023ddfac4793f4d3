package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.ClientCert;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.TlsInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ScriptHarness}, the Java API of the in-engine harness: a script in a real worker
 * context, requests through the real router, middleware and worker queue without a socket,
 * outbound calls answered from canned responses or passed to a real upstream on loopback.
 */
class ScriptHarnessTest {
    static ScriptHarness harness;

    @BeforeAll
    static void load() throws Exception {
        harness = ScriptHarness.builder(Scripts.harnessApp()).start();
    }

    @AfterAll
    static void close() {
        harness.close();
    }

    @BeforeEach
    void reset() {
        harness.outbound().reset();
        harness.clearLog();
    }

    static String text(ScriptHarness.Answer a) {
        return new String(a.body(), StandardCharsets.UTF_8);
    }

    @Test
    void routesMiddlewareAndTheEnginesOwnAnswers() {
        ScriptHarness.Answer a = harness.request("GET", "/users/42", Map.of(), null);
        assertEquals(200, a.status());
        assertEquals("user 42", text(a));
        assertEquals("text/plain", a.header("content-type"));
        assertTrue(a.header("x-request-id") != null && a.header("date") != null, a.headers().toString());
        assertEquals(new ScriptHarness.LogLine("info", "user 42"), harness.log().getLast());
        assertEquals("user a b", text(harness.request("GET", "/users/a%20b", Map.of(), null)));

        assertEquals(401, harness.request("GET", "/admin/stats", Map.of(), null).status());
        assertEquals(200, harness.request("GET", "/admin/stats", Map.of("authorization", "x"), null).status());

        ScriptHarness.Answer missing = harness.request("GET", "/nope", Map.of(), null);
        assertEquals(404, missing.status());
        assertEquals("404 Not Found\n", text(missing));
        ScriptHarness.Answer wrong = harness.request("DELETE", "/users/1", Map.of(), null);
        assertEquals(405, wrong.status());
        assertEquals("GET, HEAD", wrong.header("allow"));
        ScriptHarness.Answer head = harness.request("HEAD", "/users/7", Map.of(), null);
        assertEquals(200, head.status());
        assertEquals("6", head.header("content-length"));
        assertEquals(0, head.body().length);
        assertEquals(500, harness.request("GET", "/broken", Map.of(), null).status());
        assertEquals("500 Internal Server Error\n", text(harness.request("GET", "/raises", Map.of(), null)));
        assertEquals(400, harness.request("GET", "/users/%zz", Map.of(), null).status());
    }

    @Test
    void clientTlsAndQueryReachTheScript() {
        ScriptHarness.Answer a = harness.request("GET", "/who?a=1&b=%C3%A9", Map.of(), null, "10.0.0.7:4444",
                new TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", "h2", "example.com",
                        new ClientCert("CN=alice", "CN=ca", List.of(), List.of())));
        assertEquals("{\"client\": \"10.0.0.7:4444\", \"scheme\": \"https\", \"tls\": \"TLSv1.3\", \"cert\": \"CN=alice\", "
                + "\"q\": {\"a\": \"1\", \"b\": \"\\u00e9\"}}", text(a));
    }

    @Test
    void outboundCallsTakeCannedAnswersInOrderAndAreRecorded() {
        HarnessOutbound o = harness.outbound();
        o.add(HarnessOutbound.Canned.response(201, Map.of("X-Up", "1"), "made".getBytes(StandardCharsets.UTF_8)));
        o.set("/things", HarnessOutbound.Canned.response(202, Map.of(), new byte[0]));
        o.add(HarnessOutbound.Canned.failure("request_timeout", "slow upstream"));
        o.add(HarnessOutbound.Canned.response(299, Map.of(), new byte[0]));
        ScriptHarness.Answer first = harness.request("POST", "/upstream", Map.of(), "one".getBytes(StandardCharsets.UTF_8));
        assertEquals(201, first.status());
        assertEquals("made", text(first));
        ScriptHarness.Answer timedOut = harness.request("POST", "/upstream", Map.of(), new byte[0]);
        assertEquals(504, timedOut.status());
        assertEquals("upstream timed out: slow upstream", text(timedOut));
        assertEquals(1, o.pending().size());
        assertEquals(299, o.pending().getFirst().status());
        assertEquals(299, harness.request("POST", "/upstream", Map.of(), null).status());
        assertEquals(202, harness.request("POST", "/upstream", Map.of(), null).status()); // the path's answer
        List<HarnessOutbound.Sent> sent = o.sent();
        assertEquals(4, sent.size());
        assertEquals("POST", sent.getFirst().method());
        assertEquals("/things", sent.getFirst().path());
        assertEquals("https://api.example.com/v1/things", sent.getFirst().url());
        assertEquals("t1", sent.getFirst().headers().get("x-trace"));
        assertEquals("one", new String(sent.getFirst().body(), StandardCharsets.UTF_8));
        assertNull(sent.getFirst().name());
        assertTrue(o.unexpected().isEmpty());
    }

    @Test
    void aCallWithNoCannedAnswerFailsNamingMethodAndUrl() {
        ScriptHarness.Answer a = harness.request("POST", "/upstream", Map.of(), null);
        assertEquals(500, a.status());
        assertEquals(List.of("POST https://api.example.com/v1/things"), harness.outbound().unexpected());
    }

    @Test
    void passThroughReachesARealUpstream() throws Exception {
        HttpEngine upstream = HttpEngine.builder().listen("127.0.0.1:0")
                .route("POST", "/things", req -> Response.text(207, "real " + new String(req.body(), StandardCharsets.UTF_8)))
                .start();
        try {
            String base = "http://127.0.0.1:" + upstream.port();
            harness.outbound().passThrough(base);
            ScriptHarness.Answer a = harness.request("POST", "/upstream", Map.of("x-upstream", base),
                    "payload".getBytes(StandardCharsets.UTF_8));
            assertEquals(207, a.status());
            assertEquals("real payload", text(a));
            assertEquals(base + "/things", harness.outbound().sent().getFirst().url());
        } finally {
            upstream.close();
        }
    }

    @Test
    void cacheState() {
        assertEquals("{\"n\": 1, \"got\": {\"a\": 1}}",
                text(harness.request("POST", "/count", Map.of(), "{\"a\": 1}".getBytes(StandardCharsets.UTF_8))));
        assertTrue(text(harness.request("POST", "/count", Map.of(), "[]".getBytes(StandardCharsets.UTF_8)))
                .startsWith("{\"n\": 2"));
    }

    @Test
    void hooksRunWhenAskedAndSeveralWorkersServe(@TempDir Path dir) throws Exception {
        try (ScriptHarness h = ScriptHarness.builder(Scripts.harnessApp()).workers(2).start()) {
            assertEquals("{\"started\": 0}", text(h.request("GET", "/admin/stats", Map.of("authorization", "x"), null)));
            h.runStartup();
            assertTrue(h.log().contains(new ScriptHarness.LogLine("info", "warmed")));
            for (int i = 0; i < 6; i++) { // both workers ran their hooks: every answer says 1
                assertEquals("{\"started\": 1}", text(h.request("GET", "/admin/stats", Map.of("authorization", "x"), null)));
            }
            assertThrows(IllegalStateException.class, h::runStartup);
            h.runShutdown();
            assertEquals(2, h.log().stream().filter(l -> l.message().equals("bye")).count());
        }
    }

    /** docs/testing.md's Java example, word for word (ScriptTestCommandTest checks that it is). */
    @Test
    void theTestingPagesJavaExample(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("app.py"), """
                from siphon import http

                @http.route("/users/{id}")
                async def user(req):
                    async with http.Client(base_url="https://users.example") as c:
                        r = await c.get("/v1/" + req.path_params["id"])
                    return http.Response(status=r.status, body=r.body)
                """);
        Path script = dir.resolve("app.py");
        dev.siphon.http.config.HttpConfig httpConfig = dev.siphon.http.config.ConfigLoader.parse("{}", "http.yaml",
                dir, System::getenv);
        try (ScriptHarness h = ScriptHarness.builder(script).config(httpConfig).start()) {
            h.outbound().add(HarnessOutbound.Canned.response(200, Map.of(), "{}".getBytes()));
            h.runStartup();
            ScriptHarness.Answer a = h.request("GET", "/users/42", Map.of(), null);
            assertEquals(200, a.status());
            assertEquals(List.of(), h.outbound().unexpected());
        }
    }

    /** A StreamingResponse read whole, as a head, a chunk at a time, and cut short (harness/streaming_app.py). */
    @Test
    void streamingResponses() throws Exception {
        Path app = Scripts.harnessApp().getParent().resolve("streaming_app.py");
        try (ScriptHarness h = ScriptHarness.builder(app).start()) {
            ScriptHarness.Answer whole = h.request("GET", "/chunks", Map.of(), null);
            assertEquals(203, whole.status());
            assertEquals("caf\u00e9 au lait", text(whole));
            assertEquals(String.valueOf("caf\u00e9 au lait".getBytes(StandardCharsets.UTF_8).length),
                    whole.header("content-length"));
            ScriptHarness.Answer head = h.request("HEAD", "/chunks", Map.of(), null);
            assertEquals(List.of("chunked", ""), List.of(head.header("transfer-encoding"), text(head)));
            assertNull(head.header("content-length"));

            ScriptHarness.BodyCutException cut = assertThrows(ScriptHarness.BodyCutException.class,
                    () -> h.request("GET", "/raises", Map.of(), null));
            assertTrue(cut.getMessage().startsWith("the streaming body of streaming_app.raises failed:\n")
                    && cut.getMessage().contains("ValueError: disk gone"), cut.getMessage());
            cut = assertThrows(ScriptHarness.BodyCutException.class,
                    () -> h.request("GET", "/too-short", Map.of(), null));
            assertEquals("the streaming response's body is 5 bytes, its content-length says 10", cut.getMessage());

            try (ScriptHarness.StreamedAnswer feed = h.open("GET", "/feed", Map.of(), null, "127.0.0.1:0", null)) {
                assertEquals("chunked", feed.headers().stream().filter(e -> e.getKey().equals("transfer-encoding"))
                        .map(Map.Entry::getValue).findFirst().orElse(null));
                assertEquals("hello\n", new String(feed.next(5_000), StandardCharsets.UTF_8));
                h.request("POST", "/publish", Map.of(), "one".getBytes(StandardCharsets.UTF_8));
                assertEquals("one\n", new String(feed.next(5_000), StandardCharsets.UTF_8));
                assertThrows(java.util.concurrent.TimeoutException.class, () -> feed.next(200));
                assertNull(feed.next(5_000)); // closed by the timeout
            }
            try (ScriptHarness.StreamedAnswer s = h.open("GET", "/sync", Map.of(), null, "127.0.0.1:0", null)) {
                assertEquals("one,", new String(s.next(5_000), StandardCharsets.UTF_8));
                assertEquals("two", new String(s.next(5_000), StandardCharsets.UTF_8));
                assertNull(s.next(5_000));
            }
        }
    }

    @Test
    void aScriptThatRaisesAtImportNamesItsOwnLine(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.py");
        Files.writeString(bad, "from siphon import http\n\nx = 1\nraise RuntimeError('no config here')\n");
        ScriptException e = assertThrows(ScriptException.class, () -> ScriptHarness.builder(bad).start());
        assertTrue(e.getMessage().contains("bad.py\", line 4") && e.getMessage().contains("no config here"),
                e.getMessage());
    }
}
