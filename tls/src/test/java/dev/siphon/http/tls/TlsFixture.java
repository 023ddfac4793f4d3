package dev.siphon.http.tls;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Request;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts TLS engines for a test with routes that echo what the TLS layer saw, and closes them
 * after it, checking that every pooled buffer came back.
 */
final class TlsFixture implements AfterEachCallback {
    private final List<HttpEngine> engines = new ArrayList<>();

    HttpEngine start(TlsConfig tls) throws Exception {
        return start(tls, UnaryOperator.identity());
    }

    HttpEngine start(TlsConfig tls, UnaryOperator<ServerConfig> adjust) throws Exception {
        return start(tls, adjust, UnaryOperator.identity());
    }

    HttpEngine start(TlsConfig tls, UnaryOperator<ServerConfig> adjust, UnaryOperator<EngineSettings> settings)
            throws Exception {
        HttpEngine e = HttpEngine.builder()
                .settings(settings.apply(EngineSettings.defaults().withIoLoops(2).withLoopThreads(LoopThreads.PLATFORM)
                        .withShutdownGraceMs(200)))
                .listen(adjust.apply(ServerConfig.listen("127.0.0.1:0").withTls(tls)))
                .route("GET", "/hello", req -> Response.text(200, "hello"))
                .route("GET", "/tls", req -> Response.text(200, describe(req)))
                .route("POST", "/echo", req -> Response.of(200, req.body()))
                .route("GET", "/big/{n}", req -> Response.of(200,
                        pattern(Integer.parseInt(req.pathParam("n")))))
                .start();
        engines.add(e);
        return e;
    }

    static String describe(Request req) {
        var t = req.tls();
        var c = req.clientCert();
        return "scheme=" + req.scheme() + "\nversion=" + req.version() + "\nprotocol=" + t.protocol()
                + "\nalpn=" + t.applicationProtocol() + "\nsni=" + req.serverName()
                + "\nclient=" + (c == null ? "none" : c.subject() + " " + c.sans()) + "\n";
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        return b;
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    static TlsConfig tls(TestPki pki) {
        return new TlsConfig(pki.file("server.pem"), pki.file("server.key"), null);
    }

    static TlsConfig mtls(TestPki pki) {
        return new TlsConfig(pki.file("server.pem"), pki.file("server.key"), pki.file("ca.pem"));
    }

    static Path certFile(TestPki pki) {
        return pki.file("ca.pem");
    }

    /** Closes the engine and waits for its loops to return every pooled buffer. */
    static long closeAndCountBuffers(HttpEngine e) throws InterruptedException {
        e.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (e.buffersOutstanding() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return e.buffersOutstanding();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (HttpEngine e : engines) {
            long left = closeAndCountBuffers(e);
            if (left != 0) {
                throw new AssertionError(left + " pooled buffers were not returned");
            }
        }
        engines.clear();
    }
}
