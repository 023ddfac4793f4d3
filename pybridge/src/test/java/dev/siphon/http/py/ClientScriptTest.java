package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.client.ClientException;
import dev.siphon.http.client.HttpClient;
import dev.siphon.http.client.HttpStatusException;
import dev.siphon.http.config.Bounds;
import dev.siphon.http.config.ClientConfig;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.HttpConfig;
import dev.siphon.http.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code http.Client} from a script (scripts/client_api.py) served by one worker, against a real
 * upstream: this engine with Java routes, HTTP/1.1 and h2c on one port, plus raw sockets that
 * break the protocol. Every outbound request runs in Java while its handler awaits.
 */
class ClientScriptTest {
    static HttpEngine upstream;
    static String up;
    static PythonServer server;
    static String base;
    static final java.net.http.HttpClient JDK = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        upstream = HttpEngine.builder()
                .listen(ServerConfig.listen("127.0.0.1:0"))
                .settings(EngineSettings.defaults().withIoLoops(1))
                .route(List.of("GET", "POST", "PUT", "PATCH", "DELETE"), "/v1/echo", req -> Response.of(200, req.body())
                        .header("X-Method", req.method())
                        .header("X-Test", String.valueOf(req.header("x-test")))
                        .header("X-Target", req.path() + (req.rawQuery() == null ? "" : "?" + req.rawQuery()))
                        .header("X-Version", req.version()))
                .route("GET", "/v1/status/{code}", req -> Response.text(Integer.parseInt(req.pathParam("code")), "status"))
                .route("GET", "/v1/moved", req -> new Response(302).header("location", "/v1/status/201"))
                .route("GET", "/v1/loop", req -> new Response(307).header("location", "loop"))
                .route("GET", "/{*rest}", req -> Response.text(200, "path " + req.path()))
                .routeAsync("GET", "/v1/slow/{ms}", (req, out) -> Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(Long.parseLong(req.pathParam("ms")));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    out.send(Response.text(200, "slept " + req.pathParam("ms")));
                }))
                .routeAsync("GET", "/never", (req, out) -> { })
                .start();
        up = "http://127.0.0.1:" + upstream.port();
        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                    request_timeout_ms: 1500
                clients:
                  api:
                    base_url: ${UPSTREAM}/v1/
                    timeout_ms: 10000
                  h2:
                    base_url: ${UPSTREAM}
                    http2_prior_knowledge: true
                  hang:
                    base_url: ${UPSTREAM}
                    timeout_ms: 10000
                  capped:
                    base_url: ${UPSTREAM}/v1/
                    max_response_bytes: 100
                  anywhere:
                    base_url: ${UPSTREAM}/v1/
                    allow_other_origins: true
                engine:
                  workers: 1
                """, "client.yaml", Map.of("UPSTREAM", up)::get);
        server = PythonServer.start(config, Scripts.path("client_api.py"));
        base = "http://127.0.0.1:" + server.port();
        // The first TLS handshake in a JVM initialises BouncyCastle (seconds on a loaded machine):
        // done here once, so that the 1.5 s request timeout bounds what a test measures, not that
        try (HttpClient warm = HttpClient.builder().timeoutMs(10_000).build()) {
            warm.get("https://127.0.0.1:" + upstream.port() + "/").handle((r, e) -> null).get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        Scripts.closeCheckingClients(server);
        if (upstream != null) {
            upstream.close();
        }
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static CompletableFuture<HttpResponse<String>> get(String path) {
        return JDK.sendAsync(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String body(String path) throws Exception {
        HttpResponse<String> r = get(path).get(30, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    static void eventually(String what, BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!check.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void namedClientSendsEveryMethodWithHeadersAndBody() throws Exception {
        for (String m : List.of("GET", "POST", "PUT", "PATCH", "DELETE")) {
            boolean withBody = !m.equals("GET") && !m.equals("DELETE");
            Curl.Result r = withBody
                    ? Curl.run("-X", m, "--data-binary", "body of " + m, base + "/named/echo")
                    : Curl.run("-X", m, base + "/named/echo");
            assertEquals(200, r.status(), r.body());
            assertEquals(m, r.header("x-upstream-method"));
            assertEquals("t1", r.header("x-upstream-test"), "request headers reach the upstream");
            assertEquals("/v1/echo?x=1", r.header("x-upstream-target"), "the path appended to base_url");
            assertEquals("HTTP/1.1", r.header("x-upstream-version"));
            assertEquals("True", r.header("x-names-lower"), "response header names are lower-case");
            assertEquals("True", r.header("x-is-response"));
            assertEquals(withBody ? "body of " + m : "", r.body());
        }
    }

    @Test
    void strBodyIsSentAsUtf8AndBinaryBodiesCrossUnchanged() throws Exception {
        assertEquals("h\u00e9llo \u2713", body("/str-body"));
        byte[] all = new byte[256 * 64];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        HttpResponse<byte[]> r = JDK.send(HttpRequest.newBuilder(URI.create(base + "/named/echo"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(all)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertTrue(Arrays.equals(all, r.body()), "every byte value goes out and comes back unchanged");
    }

    /** As the original siphon-http: the base URL without its trailing slashes, then the path as written. */
    @Test
    void baseUrlJoiningAppendsThePathAndAbsoluteUrlsPassThrough() throws Exception {
        String out = body("/join?base=" + q(up + "/v1/index/") + "&abs=" + q(up + "/abs?a=1"));
        assertEquals(List.of("path /v1/indexusers", "path /v1/index/users", "path /v1/index", "path /abs"),
                out.lines().toList());
    }

    @Test
    void inlineClientsWithEqualSettingsShareOnePool() throws Exception {
        int before = server.pool().clients().all().size();
        assertEquals("", body("/inline-many?n=20&base=" + q(up)));
        assertEquals("", body("/inline-many?n=20&base=" + q(up)));
        List<HttpClient> all = server.pool().clients().all();
        assertEquals(before + 1, all.size(), "40 constructions with one set of settings start one Java client");
        assertEquals(1, all.get(all.size() - 1).connectionsOpened(), "and it reuses one keep-alive connection");
    }

    @Test
    void asyncWithEndsTheHandle() throws Exception {
        String out = body("/closed?base=" + q(up + "/x/"));
        assertTrue(out.startsWith("200 then ClientError: http.Client is closed"), out);
    }

    @Test
    void raiseForStatusRaisesHttpStatusErrorOn4xxAnd5xx() throws Exception {
        assertEquals("HTTPStatusError 404 404 True True", body("/status/404"));
        assertEquals("HTTPStatusError 503 503 True True", body("/status/503"));
        assertEquals("ok 302", body("/status/302"));
    }

    /** As in the original siphon-http, every client failure is a RuntimeError, raise_for_status's too. */
    @Test
    void clientErrorsAreRuntimeErrors() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertEquals("ConnectError HTTPStatusError", body("/runtime-error?refused=" + q("http://127.0.0.1:" + port + "/")
                + "&missing=" + q(up + "/v1/status/404")));
    }

    /** Redirects are followed (at most 10 in a row), unless follow_redirects=False. */
    @Test
    void redirectsAreFollowedUnlessTurnedOff() throws Exception {
        assertEquals("201 status|302 /v1/status/201|TooManyRedirectsError True", body("/redirects?base=" + q(up)));
    }

    @Test
    void connectionRefusedRaisesConnectError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String out = body("/error?url=" + q("http://127.0.0.1:" + port + "/x"));
        assertTrue(out.startsWith("ConnectError|False|"), out);
    }

    @Test
    void slowUpstreamRaisesTimeoutErrorThatIsAlsoTheBuiltin() throws Exception {
        String out = body("/error?timeout=300&url=" + q(up + "/never"));
        assertTrue(out.startsWith("TimeoutError|True|"), out);
    }

    @Test
    void httpsThatCannotHandshakeRaisesTlsError() throws Exception {
        // a cleartext upstream: whether the build has the TLS client or not, https fails as TLS
        String out = body("/error?timeout=3000&url=" + q("https://127.0.0.1:" + upstream.port() + "/x"));
        assertTrue(out.startsWith("TLSError|False|"), out);
    }

    @Test
    void malformedResponseRaisesProtocolError() throws Exception {
        try (RawUpstream raw = new RawUpstream("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello")) {
            String out = body("/error?url=" + q(raw.url()));
            assertTrue(out.startsWith("ProtocolError|False|"), out);
        }
    }

    @Test
    void upstreamClosingBeforeTheResponseRaisesConnectionClosedError() throws Exception {
        try (RawUpstream raw = new RawUpstream("")) {
            String out = body("/error?url=" + q(raw.url()));
            assertTrue(out.startsWith("ConnectionClosedError|False|"), out);
        }
    }

    @Test
    void uncaughtClientErrorAnswers500AndTheWorkerGoesOn() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertEquals(500, get("/uncaught?url=" + q("http://127.0.0.1:" + port + "/")).get().statusCode());
        assertEquals("fast", body("/fast"));
    }

    @Test
    void everyJavaClientFailureHasAPythonError() throws Exception {
        TreeSet<String> java = Arrays.stream(ClientException.class.getPermittedSubclasses())
                .flatMap(c -> c.isSealed() // ConnectFailedException has ProxyConnectException under it
                        ? Stream.concat(Stream.of(c), Arrays.stream(c.getPermittedSubclasses()))
                        : Stream.of(c))
                .filter(c -> c != HttpStatusException.class) // only from ClientResponse.raiseForStatus, never a send
                .map(Class::getSimpleName)
                .collect(Collectors.toCollection(TreeSet::new));
        // each has an error kind of its own (ClientErrorKind), the name Python hears
        TreeSet<String> kinded = Arrays.stream(ClientErrorKind.values())
                .filter(k -> k.type != null)
                .map(k -> k.type.getSimpleName())
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(String.join(",", java), String.join(",", kinded));
        // and siphon/http.py maps exactly these kinds to Python errors (http._ERROR_KINDS)
        TreeSet<String> kinds = Arrays.stream(ClientErrorKind.values())
                .map(k -> k.wire)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(String.join(",", kinds), body("/mapping"));
        assertEquals("[True, True, True, True, True]", body("/hierarchy"));
    }

    @Test
    void unknownClientNameNamesItAndTheConfiguredOnes() throws Exception {
        assertEquals("http.Client('nope'): no client 'nope' under clients: in http.yaml (configured: 'api', 'h2', "
                + "'hang', 'capped', 'anywhere')",
                body("/unknown"));
    }

    @Test
    void badBaseUrlAndRelativePathWithoutBaseAreValueErrors() throws Exception {
        String bad = body("/bad-base");
        assertTrue(bad.startsWith("http.Client: expected an absolute http:// or https:// URL") && bad.contains("ftp://"),
                bad);
        String rel = body("/no-base");
        assertTrue(rel.contains("relative URL \"/relative\" needs a base_url"), rel);
    }

    @Test
    void h2cPriorKnowledgeClient() throws Exception {
        assertEquals("HTTP/2 over h2c", body("/h2"));
    }

    /** One worker: while a handler awaits a slow upstream, the worker answers other requests. */
    @Test
    void workerServesOtherRequestsWhileAHandlerAwaitsItsUpstream() throws Exception {
        List<String> finished = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<HttpResponse<String>> slow = get("/slow?ms=1000").whenComplete((r, e) -> finished.add("slow"));
        Thread.sleep(300);
        CompletableFuture<HttpResponse<String>> fast = get("/fast").whenComplete((r, e) -> finished.add("fast"));
        assertEquals("fast", fast.get(10, TimeUnit.SECONDS).body());
        assertEquals("slept 1000", slow.get(10, TimeUnit.SECONDS).body());
        assertEquals(List.of("fast", "slow"), finished, "the fast request is answered while the slow one awaits");
        assertEquals("0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15", body("/gather?n=16"),
                "sixteen outbound calls in flight at once from one handler");
    }

    /**
     * request_timeout_ms (1500) passes while the handler awaits an upstream that never answers
     * (the client's own timeout is 10 s): 504, the coroutine sees CancelledError, and the Java
     * request is cancelled at once: its connection closes and its buffers return.
     */
    @Test
    void requestTimeoutCancelsTheOutboundRequestWithoutLeaks() throws Exception {
        HttpClient hang = server.pool().clients().namedClient("hang");
        long t0 = System.nanoTime();
        CompletableFuture<HttpResponse<String>> r = get("/hang");
        eventually("the outbound request is in flight", () -> hang.openConnections() == 1);
        assertEquals(504, r.get(10, TimeUnit.SECONDS).statusCode());
        eventually("the handler saw CancelledError", () -> {
            try {
                return body("/hang-seen").equals("cancelled");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        eventually("the cancelled request's connection closed", () -> hang.openConnections() == 0);
        eventually("the cancelled request's buffers returned", () -> hang.buffersOutstanding() == 0);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 8000, "freed by the cancel (" + ms + " ms), not by the client's 10 s timeout");
        assertEquals("fast", body("/fast"));
    }

    static String post(String path, byte[] body) throws Exception {
        HttpResponse<String> r = JDK.send(HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    /** max_response_bytes from http.yaml (clients.capped: 100) and from the constructor; one over → ResponseTooLargeError. */
    @Test
    void responseBodyCapComesFromHttpYamlOrTheConstructor() throws Exception {
        assertEquals("ok 100", post("/cap", new byte[100]));
        String over = post("/cap", new byte[101]);
        assertTrue(over.startsWith("ResponseTooLargeError|") && over.contains("over the 100-byte"), over);
        String inline = "/cap?max=1000&base=" + q(up + "/v1/");
        assertEquals("ok 1000", post(inline, new byte[1000]));
        over = post(inline, new byte[1001]);
        assertTrue(over.startsWith("ResponseTooLargeError|") && over.contains("over the 1000-byte"), over);
        assertEquals(String.join("\n",
                "TypeError: http.Client: max_response_bytes must be an int, not str",
                "TypeError: http.Client: max_response_bytes must be an int, not bool",
                "ValueError: http.Client: max_response_bytes must be from 1 to 1073741824, was 0",
                "ValueError: http.Client: max_response_bytes must be from 1 to 1073741824, was 1073741825",
                "TypeError: http.Client('api') takes its settings from clients.api in http.yaml; give either a name "
                        + "or settings (max_response_bytes), not both",
                "TypeError: http.Client('api') takes its settings from clients.api in http.yaml; give either a name "
                        + "or settings (allow_other_origins), not both"), body("/client-args"));
    }

    /**
     * An inline client takes every key of clients.<name> as Java declares it (ClientConfig.SECTION):
     * pool_size, max_connections, proxy and no_proxy too, which http.py does not name; each value is
     * checked by its declaration's kind
     * and bounds, with the messages the other keys get.
     */
    @Test
    void inlineClientsTakeEveryDeclaredKeyCheckedByItsDeclaration() throws Exception {
        assertEquals(String.join("\n",
                "accepted",
                "ValueError: http.Client: pool_size must be from 1 to " + ClientConfig.MAX_POOL_SIZE + ", was 0",
                "TypeError: http.Client: pool_size must be an int, not str",
                "accepted",
                "ValueError: http.Client: max_connections must be from 1 to " + ClientConfig.MAX_MAX_CONNECTIONS
                        + ", was 0",
                "accepted",
                "ValueError: http.Client: proxy: proxy scheme \"socks5\" is not supported (only http:// proxies, "
                        + "which tunnel https:// requests with CONNECT)",
                "TypeError: http.Client: proxy must be a str, not int",
                "ValueError: http.Client: timeout_ms must be from 1 to " + Bounds.MAX_TIMEOUT_MS + ", was 0",
                "ValueError: http.Client: timeout_ms must be from 1 to " + Bounds.MAX_TIMEOUT_MS
                        + ", was 1180591620717411303424",
                "TypeError: http.Client: unknown setting 'bogus' (the keys of clients.<name> in http.yaml: "
                        + String.join(", ", ClientConfig.SECTION.keys()) + ")",
                "TypeError: http.Client: give the key as cert=(cert, key) or as key=, not both"),
                body("/client-settings"));
    }

    /**
     * A client with a base_url (named or inline) sends nowhere else: another origin, by an
     * absolute URL, raises OriginNotAllowedError and opens no connection ("//host/x" is a path on
     * the base URL's origin),
     * unless allow_other_origins says otherwise (http.yaml, or the constructor).
     */
    @Test
    void aClientWithABaseUrlRaisesOriginNotAllowedErrorForAnotherOrigin() throws Exception {
        try (RawUpstream other = new RawUpstream("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nother")) {
            String otherOrigin = "http://127.0.0.1:" + other.socket.getLocalPort();
            assertEquals("OriginNotAllowedError|True|clients.api sends only to " + up + ", the origin of its base URL; "
                    + "a request to " + otherOrigin + " was not sent (allow_other_origins: true under clients.api in "
                    + "http.yaml allows other origins)", body("/origin?client=api&url=" + q(other.url())));
            assertEquals("OriginNotAllowedError|True|http.Client sends only to " + up + ", the origin of its base URL; "
                    + "a request to " + otherOrigin + " was not sent (allow_other_origins=True allows other origins)",
                    body("/origin?client=inline&base=" + q(up) + "&url=" + q(other.url())));
            String path = "//127.0.0.1:" + other.socket.getLocalPort() + "/x";
            assertEquals("ok 200 path " + path, body("/origin?client=inline&base=" + q(up) + "&url=" + q(path)),
                    "a path on the base URL's origin");
            assertEquals(0, other.accepted.get(), "no connection to the other origin");
            assertEquals("ok 200 ", body("/origin?client=api&url=" + q(up + "/v1/echo")), "its own origin, absolute");
            assertEquals("ok 200 other", body("/origin?client=anywhere&url=" + q(other.url())));
            assertEquals("ok 200 other", body("/origin?client=inline-open&base=" + q(up) + "&url=" + q(other.url())));
            assertEquals("ok 200 other", body("/origin?client=inline&url=" + q(other.url())), "no base_url: any origin");
            assertEquals(3, other.accepted.get());
        }
    }

    /** Accepts connections, reads a request head, writes {@code reply} and closes. */
    static final class RawUpstream implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0);
        final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
        final Thread thread;

        RawUpstream(String reply) throws IOException {
            thread = Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket s = socket.accept()) {
                        accepted.incrementAndGet();
                        InputStream in = s.getInputStream();
                        Scripts.readHead(in);
                        OutputStream out = s.getOutputStream();
                        out.write(reply.getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    } catch (IOException e) {
                        // closed
                    }
                }
            });
        }

        String url() {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/raw";
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
