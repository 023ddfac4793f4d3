package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code (req, call_next)} middleware (docs/python.md, "Middleware"): it wraps the rest of the
 * chain, sees and changes the response, catches what the handler raises, mixes with
 * {@code (req)} guards in registration order, and sees a cancellation at its await; a sync one
 * that hands the rest back works, one that uses it without awaiting gets a clear error.
 */
class WrapMiddlewareTest {
    static String text(ScriptHarness.Answer a) {
        return new String(a.body(), StandardCharsets.UTF_8);
    }

    @Test
    void wrapsTheChainInRegistrationOrder(@TempDir Path dir) throws Exception {
        HttpConfig config = ConfigLoader.parse("servers:\n  - listen: 127.0.0.1:0\n    request_timeout_ms: 600\n",
                "http.yaml", dir, System::getenv);
        try (ScriptHarness h = ScriptHarness.builder(Scripts.path("wrap_middleware.py")).config(config).start()) {
            ScriptHarness.Answer hello = h.request("GET", "/hello", Map.of(), null);
            assertEquals(200, hello.status());
            assertEquals("hi", text(hello));
            assertEquals("1", hello.header("x-timing"));
            assertEquals("timing>,<timing,timing>", text(h.request("GET", "/order", Map.of(), null)));

            ScriptHarness.Answer guarded = h.request("GET", "/private/data", Map.of(), null);
            assertEquals(401, guarded.status());
            assertEquals("1", guarded.header("x-timing")); // the guard's answer goes back up through timing
            assertEquals("secret", text(h.request("GET", "/private/data", Map.of("authorization", "x"), null)));

            ScriptHarness.Answer rescued = h.request("GET", "/missing/k1", Map.of(), null);
            assertEquals(404, rescued.status());
            assertEquals("rescued: k1", text(rescued));
            assertEquals("1", rescued.header("x-timing"));

            ScriptHarness.Answer boom = h.request("GET", "/boom", Map.of(), null);
            assertEquals(500, boom.status());
            assertNull(boom.header("x-timing")); // timing re-raised: the engine's 500
            assertEquals(500, h.request("GET", "/not-a-response", Map.of(), null).status());

            ScriptHarness.Answer replaced = h.request("GET", "/sync-replace", Map.of(), null);
            assertEquals(203, replaced.status());
            assertEquals("1", replaced.header("x-timing"));
            assertEquals(500, h.request("GET", "/sync-touch", Map.of(), null).status());

            ScriptHarness.Answer slow = h.request("GET", "/slow", Map.of(), null);
            assertEquals(504, slow.status());
            for (int i = 0; i < 50 && h.log().stream().noneMatch(l -> l.message().contains("cancellation")); i++) {
                Thread.sleep(100);
            }
            assertTrue(h.log().contains(new ScriptHarness.LogLine("info", "timing saw the cancellation of /slow")),
                    h.log().toString());
        }
    }

    @Test
    void middlewareForUnmatchedRequestsEndsAtTheEnginesAnswer() throws Exception {
        try (ScriptHarness h = ScriptHarness.builder(Scripts.path("wrap_middleware.py")).start()) {
            ScriptHarness.Answer missing = h.request("GET", "/nowhere/x", Map.of(), null);
            assertEquals(404, missing.status());
            assertEquals("<h1>no page at /nowhere/x</h1>", text(missing));
            assertEquals("text/html", missing.header("content-type"));
            assertNull(missing.header("x-timing")); // only the unmatched=True middleware runs here
            ScriptHarness.Answer moved = h.request("GET", "/old-hello", Map.of(), null);
            assertEquals(308, moved.status());
            assertEquals("/hello", moved.header("location"));
            ScriptHarness.Answer wrongMethod = h.request("POST", "/hello", Map.of(), "x".getBytes(StandardCharsets.UTF_8));
            assertEquals(405, wrongMethod.status());
            assertEquals("GET, HEAD", wrongMethod.header("allow"));
            assertEquals("405", wrongMethod.header("x-unmatched"));
            assertEquals("405 Method Not Allowed\n", text(wrongMethod));
            assertEquals(400, h.request("GET", "/missing/%zz", Map.of(), null).status()); // a malformed path stays the engine's
            ScriptHarness.Answer routed = h.request("GET", "/hello", Map.of(), null);
            assertEquals("1", routed.header("x-timing"));
            assertEquals("200", routed.header("x-unmatched")); // it runs for routed requests too, in its place
        }
    }

    @Test
    void unmatchedRequestsReachTheScriptOverHttp1AndH2c(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("http.yaml");
        Files.writeString(yaml, "servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n");
        try (PythonServer server = PythonServer.start(ConfigLoader.load(yaml), Scripts.path("wrap_middleware.py"))) {
            String url = "http://127.0.0.1:" + server.port();
            for (String version : new String[] {"--http1.1", "--http2-prior-knowledge"}) {
                Curl.Result missing = Curl.run(version, url + "/nowhere");
                assertEquals(404, missing.status(), version);
                assertEquals("<h1>no page at /nowhere</h1>", missing.body(), version);
                Curl.Result moved = Curl.run(version, url + "/old-hello");
                assertEquals(308, moved.status(), version);
                assertEquals("/hello", moved.header("location"), version);
                Curl.Result wrong = Curl.run(version, "-X", "DELETE", url + "/hello");
                assertEquals(405, wrong.status(), version);
                assertEquals("405", wrong.header("x-unmatched"), version);
            }
        }
    }

    @Test
    void overASocket(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("http.yaml");
        Files.writeString(yaml, "servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n");
        try (PythonServer server = PythonServer.start(ConfigLoader.load(yaml), Scripts.path("wrap_middleware.py"));
             HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/missing/a")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, r.statusCode());
            assertEquals("rescued: a", r.body());
            assertEquals("1", r.headers().firstValue("x-timing").orElse(null));
        }
    }

    @Test
    void aMiddlewareWithTheWrongParametersIsRefusedAtLoad(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.py");
        Files.writeString(bad, "from siphon import http\n\n@http.middleware\ndef three(req, call_next, extra):\n"
                + "    return None\n");
        ScriptException e = org.junit.jupiter.api.Assertions.assertThrows(ScriptException.class,
                () -> ScriptHarness.builder(bad).start());
        assertTrue(e.getMessage().contains("three takes 3 parameters; a middleware takes (req)"), e.getMessage());
    }
}
