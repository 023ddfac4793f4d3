package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts real engines on 127.0.0.1:0 for one test and tears them down after it: client
 * sockets first, then the engine, then asserts that every pooled buffer came back
 * ({@code buffersOutstanding() == 0}). Register with {@code @RegisterExtension}.
 *
 * <p>Used from the test thread only.
 */
final class EngineFixture implements AfterEachCallback {
    private final List<HttpEngine> engines = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    /** Engine settings for tests: one loop, short shutdown grace, otherwise the defaults. */
    static EngineSettings settings() {
        EngineSettings d = EngineSettings.defaults().withIoLoops(1);
        return new EngineSettings(d.ioLoops(), d.loopThreads(), d.workers(), d.maxHeaderBytes(), d.maxHeaderCount(),
                d.headerTimeoutMs(), d.idleTimeoutMs(), d.maxPipelined(), d.bufferSize(), 1000);
    }

    static ServerConfig server() {
        return ServerConfig.listen("127.0.0.1:0");
    }

    /** An engine with the {@link #standardRoutes} on the test settings. */
    HttpEngine start() throws IOException {
        return start(server(), settings(), EngineFixture::standardRoutes);
    }

    HttpEngine start(ServerConfig server, EngineSettings settings, UnaryOperator<HttpEngine.Builder> routes)
            throws IOException {
        HttpEngine engine = routes.apply(HttpEngine.builder().listen(server).settings(settings)).start();
        engines.add(engine);
        return engine;
    }

    /** A raw client socket to the engine, closed after the test before the engine is. */
    RawConnection connect(HttpEngine engine) throws IOException {
        return track(new RawConnection(engine.port()));
    }

    <T extends AutoCloseable> T track(T client) {
        clients.add(client);
        return client;
    }

    /**
     * Routes most tests use:
     * <ul>
     *   <li>{@code GET /hello/{name}} → {@code hello <decoded name>}</li>
     *   <li>{@code POST /echo} → the request body, and {@code x-body-length}, {@code x-transfer-encoding}</li>
     *   <li>{@code GET /query} → the query params as a sorted {@code k=v;} list</li>
     *   <li>{@code GET /header/{name}} → the value of that request header, or {@code <absent>}</li>
     *   <li>{@code GET /client} → {@code req.client()}</li>
     *   <li>{@code GET /version} → {@code req.version()}</li>
     * </ul>
     */
    static HttpEngine.Builder standardRoutes(HttpEngine.Builder b) {
        return b.route("GET", "/hello/{name}", req -> Response.text(200, "hello " + req.pathParam("name")))
                .route("POST", "/echo", req -> Response.of(200, req.body())
                        .header("content-type", "application/octet-stream")
                        .header("x-body-length", Integer.toString(req.body().length))
                        .header("x-transfer-encoding", String.valueOf(req.header("transfer-encoding"))))
                .route("GET", "/query", req -> {
                    StringBuilder sb = new StringBuilder();
                    new TreeMap<>(req.queryParams()).forEach((k, v) -> sb.append(k).append('=').append(v).append(';'));
                    return Response.text(200, sb.toString());
                })
                .route("GET", "/header/{name}", req -> {
                    String v = req.header(req.pathParam("name"));
                    return Response.text(200, v == null ? "<absent>" : v);
                })
                .route("GET", "/client", req -> Response.text(200, req.client()))
                .route("GET", "/version", req -> Response.text(200, req.version()));
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception failure = null;
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception e) {
                failure = e;
            }
        }
        clients.clear();
        Map<Integer, Long> leaked = new TreeMap<>();
        for (HttpEngine e : engines) {
            e.close();
            if (e.buffersOutstanding() != 0) {
                leaked.put(engines.indexOf(e), e.buffersOutstanding());
            }
        }
        engines.clear();
        assertEquals(Map.of(), leaked, "pooled buffers outstanding after close (engine index -> count)");
        if (failure != null) {
            throw failure;
        }
    }
}
