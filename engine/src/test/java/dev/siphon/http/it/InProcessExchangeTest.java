package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.ClientCert;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.TlsInfo;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.h1.MalformedRequests;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link HttpEngine.Builder#startInProcess()}: the engine without a listener answers a request
 * given as bytes exactly as a connection of the same engine answers it on a real socket (status
 * line, fields but the varying date and request id, body), for routed requests, the engine's
 * own answers (404, 405, HEAD, 413, 431) and every malformed request of {@link MalformedRequests};
 * and its request deadline answers 504 as a connection's does.
 */
class InProcessExchangeTest {
    @RegisterExtension
    final EngineFixture fixture = new EngineFixture();

    private HttpEngine.InProcess inProcess;

    @AfterEach
    void close() {
        if (inProcess != null) {
            inProcess.close();
        }
    }

    static final UnaryOperator<HttpEngine.Builder> ROUTES = b -> b
            .route("GET", "/hello", req -> Response.text(200, "hello " + req.client()))
            .route("POST", "/echo", req -> Response.of(200, req.body()).header("content-type", "application/octet-stream"))
            .route("GET", "/users/{id}", req -> Response.text(200, "user " + req.pathParam("id")))
            .route("GET", "/files/{*rest}", req -> Response.text(200, "file " + req.pathParam("rest")))
            .route("GET", "/query", req -> Response.text(200, String.valueOf(req.queryParams())))
            .route("GET", "/tls", req -> Response.text(200, req.scheme() + " " + (req.tls() == null ? "-"
                    : req.tls().protocol() + " " + req.tls().clientCert().subject())))
            .routeAsync("GET", "/never", (req, out) -> { });

    static ServerConfig server(long maxBody, long timeoutMs) {
        ServerConfig s = EngineFixture.server();
        return new ServerConfig(s.host(), s.port(), null, maxBody, timeoutMs, List.of());
    }

    record Answer(String statusLine, List<String> fields, byte[] body) {}

    static Answer parse(byte[] raw, boolean head) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        assertTrue(end > 0, "no complete head in " + text);
        String[] lines = text.substring(0, end).split("\r\n");
        List<String> fields = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String name = lines[i].substring(0, lines[i].indexOf(':')).toLowerCase(Locale.ROOT);
            if (!name.equals("date") && !name.equals("x-request-id")) {
                fields.add(name + ":" + lines[i].substring(lines[i].indexOf(':') + 1).strip());
            }
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        return new Answer(lines[0], fields, head ? new byte[0] : body);
    }

    static Answer of(RawResponse r) {
        List<String> fields = new ArrayList<>();
        for (String[] f : r.fields()) {
            String name = f[0].toLowerCase(Locale.ROOT);
            if (!name.equals("date") && !name.equals("x-request-id")) {
                fields.add(name + ":" + f[1]);
            }
        }
        return new Answer(r.statusLine(), fields, r.body());
    }

    byte[] inProcess(String raw) throws Exception {
        return inProcess.exchange(raw.getBytes(StandardCharsets.ISO_8859_1), new InetSocketAddress("127.0.0.1", 40000),
                null).get(10, TimeUnit.SECONDS);
    }

    void assertSameAnswer(HttpEngine engine, String raw) throws Exception {
        boolean head = raw.startsWith("HEAD ");
        Answer local = parse(inProcess(raw), head);
        RawResponse wire;
        try (RawConnection c = new RawConnection(engine.port())) {
            wire = c.timeout(10_000).send(raw).read(head);
        }
        Answer remote = of(wire);
        String what = raw.replace("\r\n", "\\r\\n");
        assertEquals(remote.statusLine(), local.statusLine(), what);
        assertEquals(remote.fields(), local.fields(), what);
        assertEquals(new String(remote.body(), StandardCharsets.ISO_8859_1),
                new String(local.body(), StandardCharsets.ISO_8859_1), what);
    }

    @Test
    void answersAsAConnectionDoes() throws Exception {
        EngineSettings settings = EngineFixture.settings();
        ServerConfig server = server(64, 30_000);
        HttpEngine engine = fixture.start(server, settings, ROUTES);
        inProcess = ROUTES.apply(HttpEngine.builder().listen(server).settings(settings)).startInProcess();
        List<String> requests = new ArrayList<>(List.of(
                "GET /users/42 HTTP/1.1\r\nhost: a\r\n\r\n",
                "GET /users/a%20b HTTP/1.1\r\nhost: a\r\n\r\n",
                "GET /files/x/y/z.txt HTTP/1.1\r\nhost: a\r\n\r\n",
                "GET /query?a=1&b=%C3%A9&a=2 HTTP/1.1\r\nhost: a\r\n\r\n",
                "HEAD /users/7 HTTP/1.1\r\nhost: a\r\n\r\n",
                "GET /nope HTTP/1.1\r\nhost: a\r\n\r\n",
                "DELETE /users/1 HTTP/1.1\r\nhost: a\r\n\r\n",
                "POST /echo HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\n\r\nhello",
                "POST /echo HTTP/1.1\r\nhost: a\r\ncontent-length: 65\r\n\r\n" + "x".repeat(65),
                "GET /users/%zz HTTP/1.1\r\nhost: a\r\n\r\n",
                "GET /hello HTTP/1.1\r\nhost: a\r\n" + "x-many: 1\r\n".repeat(settings.maxHeaderCount() + 1) + "\r\n",
                "GET /hello HTTP/1.1\r\nhost: a\r\nx-big: " + "a".repeat(settings.maxHeaderBytes()) + "\r\n\r\n"));
        for (MalformedRequests.Case c : MalformedRequests.all()) {
            requests.add(c.request());
        }
        for (String raw : requests) {
            assertSameAnswer(engine, raw);
        }
    }

    @Test
    void anUnmatchedHandlerTakesWhatNoRouteMatches() throws Exception {
        EngineSettings settings = EngineFixture.settings();
        ServerConfig server = server(64, 30_000);
        UnaryOperator<HttpEngine.Builder> routes = b -> ROUTES.apply(b).unmatched((req, out) -> {
            Response engines = req.unmatchedAnswer();
            out.send(Response.text(engines.status(), "custom " + engines.status() + " for " + req.method() + " "
                    + req.path() + " body=" + req.body().length + " params=" + req.pathParams()
                    + " allow=" + engines.headers().get("allow")));
        });
        HttpEngine engine = fixture.start(server, settings, routes);
        inProcess = routes.apply(HttpEngine.builder().listen(server).settings(settings)).startInProcess();
        for (String raw : List.of("GET /nope HTTP/1.1\r\nhost: a\r\n\r\n",
                "POST /users/1 HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\n\r\nabc",
                "GET /users/%zz HTTP/1.1\r\nhost: a\r\n\r\n",
                "GET /users/5 HTTP/1.1\r\nhost: a\r\n\r\n")) {
            assertSameAnswer(engine, raw);
        }
        assertEquals("custom 404 for GET /nope body=0 params={} allow=null",
                new String(parse(inProcess("GET /nope HTTP/1.1\r\nhost: a\r\n\r\n"), false).body(), StandardCharsets.UTF_8));
        assertEquals("custom 405 for POST /users/1 body=0 params={} allow=GET, HEAD",
                new String(parse(inProcess("POST /users/1 HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\n\r\nabc"), false)
                        .body(), StandardCharsets.UTF_8));
        assertEquals("HTTP/1.1 400 Bad Request",
                parse(inProcess("GET /users/%zz HTTP/1.1\r\nhost: a\r\n\r\n"), false).statusLine());
    }

    @Test
    void tlsDetailsAndClientAddressReachTheHandler() throws Exception {
        inProcess = ROUTES.apply(HttpEngine.builder().listen(server(64, 30_000)).settings(EngineFixture.settings()))
                .startInProcess();
        Answer a = parse(inProcess.exchange("GET /tls HTTP/1.1\r\nhost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                new InetSocketAddress("10.1.2.3", 5555), new TlsInfo("TLSv1.3", "TLS_AES_128_GCM_SHA256", "http/1.1",
                        "example.com", new ClientCert("CN=alice", "CN=ca", List.of("alice.example"), List.of())))
                .get(10, TimeUnit.SECONDS), false);
        assertEquals("https TLSv1.3 CN=alice", new String(a.body(), StandardCharsets.UTF_8));
        Answer hello = parse(inProcess.exchange("GET /hello HTTP/1.1\r\nhost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1),
                new InetSocketAddress("10.1.2.3", 5555), null).get(10, TimeUnit.SECONDS), false);
        assertEquals("hello 10.1.2.3:5555", new String(hello.body(), StandardCharsets.UTF_8));
    }

    @Test
    void aHandlerPastItsDeadlineIsAnswered504() throws Exception {
        inProcess = ROUTES.apply(HttpEngine.builder().listen(server(64, 300)).settings(EngineFixture.settings()))
                .startInProcess();
        long t0 = System.nanoTime();
        byte[] raw = inProcess("GET /never HTTP/1.1\r\nhost: a\r\n\r\n");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Answer a = parse(raw, false);
        assertEquals("HTTP/1.1 504 Gateway Timeout", a.statusLine());
        assertTrue(ms >= 250 && ms < 5_000, "answered after " + ms + " ms");
        assertNotNull(a.body());
    }
}
