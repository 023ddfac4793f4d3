package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real upstreams for one test: engines with Java routes (HTTP/1.1 and h2c on the same port), and
 * the clients under test. After the test, clients close first, then upstreams, and every client
 * and engine must have returned every pooled buffer.
 */
final class Upstreams implements AfterEachCallback {
    private final List<HttpClient> clients = new ArrayList<>();
    private final List<HttpEngine> engines = new ArrayList<>();
    private final List<AutoCloseable> others = new ArrayList<>();

    static EngineSettings settings() {
        EngineSettings d = EngineSettings.defaults().withIoLoops(1);
        return new EngineSettings(d.ioLoops(), d.loopThreads(), d.workers(), d.maxHeaderBytes(), d.maxHeaderCount(),
                d.headerTimeoutMs(), d.idleTimeoutMs(), d.maxPipelined(), d.bufferSize(), 200, d.http2());
    }

    /**
     * An engine with: GET /hello → "hello", /echo (POST, PUT, PATCH, DELETE, GET) → the request
     * body and method, GET /big/{n} → n bytes, GET /slow/{ms} → "slow" after ms, GET /never →
     * no answer, GET /empty → 204, HEAD /hello.
     */
    HttpEngine engine(EngineSettings settings) throws IOException {
        return engine(ServerConfig.listen("127.0.0.1:0"), settings);
    }

    /**
     * The same routes on {@code listener} (with TLS when it has some), plus GET /tls → what the
     * TLS layer saw ("alpn=h2 sni=localhost client=CN=alice,..."), and a 32 MiB body cap.
     */
    HttpEngine engine(ServerConfig listener, EngineSettings settings) throws IOException {
        HttpEngine e = HttpEngine.builder()
                .listen(listener.withMaxBodyBytes(32 << 20))
                .settings(settings)
                .route("GET", "/tls", req -> Response.text(200, req.tls() == null ? "cleartext"
                        : "alpn=" + req.tls().applicationProtocol() + " sni=" + req.tls().serverName() + " client="
                                + (req.clientCert() == null ? "none" : req.clientCert().subject())))
                .route("GET", "/hello", req -> Response.text(200, "hello"))
                .route(List.of("GET", "POST", "PUT", "PATCH", "DELETE"), "/echo", req -> Response.of(200, req.body())
                        .header("x-method", req.method())
                        .header("x-host", String.valueOf(req.header("host")))
                        .header("x-test", String.valueOf(req.header("x-test"))))
                .route("GET", "/big/{n}", req -> {
                    byte[] b = new byte[Integer.parseInt(req.pathParam("n"))];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) (i * 31);
                    }
                    return Response.of(200, b);
                })
                .routeAsync("GET", "/slow/{ms}", (req, out) -> Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(Long.parseLong(req.pathParam("ms")));
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                    out.send(Response.text(200, "slow"));
                }))
                .routeAsync("GET", "/never", (req, out) -> { })
                .route("GET", "/empty", req -> new Response(204))
                .start();
        engines.add(e);
        return e;
    }

    HttpEngine engine() throws IOException {
        return engine(settings());
    }

    HttpClient client(HttpClient.Builder b) {
        HttpClient c = b.build();
        clients.add(c);
        return c;
    }

    RawServer raw(RawServer.Script script) throws IOException {
        RawServer s = new RawServer(script);
        others.add(s);
        return s;
    }

    /** Closed after the clients, before the engines. */
    void closeLater(AutoCloseable c) {
        others.add(c);
    }

    static String url(HttpEngine e) {
        return "http://127.0.0.1:" + e.port();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (HttpClient c : clients) {
            c.close();
            assertEquals(0, c.openConnections(), "client connections left open");
            assertEquals(0, c.buffersOutstanding(), "client buffers not returned");
        }
        for (AutoCloseable o : others) {
            o.close();
        }
        for (HttpEngine e : engines) {
            e.close();
            assertEquals(0, e.buffersOutstanding(), "upstream buffers not returned");
        }
    }

    /** Polls until {@code check} holds (the loop releases asynchronously), at most 5 s. */
    static void eventually(String what, java.util.function.BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!check.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never: " + what);
            }
            Thread.sleep(10);
        }
    }
}
