package dev.siphon.http.h2;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.Http2Settings;
import dev.siphon.http.config.ServerConfig;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A real engine on 127.0.0.1:0 with the routes the HTTP/2 tests use. */
final class Http2TestServer {
    final AtomicInteger slowCalls = new AtomicInteger();
    final AtomicInteger slowCancelled = new AtomicInteger();
    final List<dev.siphon.http.Responder> parked = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The requests of {@link #parked}, as their handler received them. */
    final List<dev.siphon.http.Request> parkedRequests = new java.util.concurrent.CopyOnWriteArrayList<>();
    final HttpEngine engine;

    Http2TestServer() throws IOException {
        this(1 << 20, Http2Settings.defaults());
    }

    /** A server with its own body cap and HTTP/2 settings, for the tests of those limits. */
    Http2TestServer(long maxBodyBytes, Http2Settings h2) throws IOException {
        this(EngineSettings.defaults().withHttp2(h2), ServerConfig.listen("127.0.0.1:0").withMaxBodyBytes(maxBodyBytes));
    }

    /** A server on its own engine settings and listener settings (which should listen on 127.0.0.1:0). */
    Http2TestServer(EngineSettings settings, ServerConfig server) throws IOException {
        engine = HttpEngine.builder()
                .settings(settings)
                .listen(server)
                .route("GET", "/hello", req -> Response.text(200, "hello " + req.version()))
                .route(List.of("GET", "POST"), "/echo", req -> {
                    Response r = Response.of(200, req.body()).header("X-Version", req.version())
                            .header("x-method", req.method())
                            .header("Connection", "keep-alive"); // connection-specific: must be dropped
                    for (String name : new String[] {"cookie", "x-multi", "x-trailer", "host", "content-length"}) {
                        if (req.header(name) != null) {
                            r.header("x-echo-" + name, req.header(name));
                        }
                    }
                    return r;
                })
                .route("GET", "/big/{n}", req -> {
                    byte[] b = new byte[Integer.parseInt(req.pathParam("n"))];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (byte) ('a' + i % 26);
                    }
                    return Response.of(200, b);
                })
                .routeAsync(List.of("GET", "POST"), "/slow", (req, out) -> {
                    slowCalls.incrementAndGet();
                    out.onCancel(slowCancelled::incrementAndGet);
                    parkedRequests.add(req);
                    parked.add(out);
                })
                .start();
    }

    int port() {
        return engine.port();
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    static boolean isPattern(byte[] b, int n) {
        return b.length == n && Arrays.equals(b, pattern(n));
    }
}
