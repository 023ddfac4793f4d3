package dev.siphon.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.siphon.http.BodyStream;
import dev.siphon.http.Headers;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.StreamingRoute;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming bodies over h2 on TLS (ALPN) with curl: a 64 MiB upload through a streaming route
 * and a 64 MiB streaming download, both checked octet for octet, the upload through a bounded
 * window; and a producer's failure seen by curl as a stream error.
 */
@Timeout(120)
class H2StreamingOverTlsTest {
    private static final int WINDOW = 64 * 1024;

    @TempDir
    Path tmp;

    private final TestPki pki;
    private HttpEngine engine;
    private final AtomicLong maxBuffered = new AtomicLong();

    H2StreamingOverTlsTest() throws Exception {
        pki = TestPki.get();
    }

    @AfterEach
    void stop() throws Exception {
        if (engine != null) {
            assertEquals(0, TlsFixture.closeAndCountBuffers(engine), "pooled buffers not returned");
        }
    }

    private HttpEngine start() throws IOException {
        engine = HttpEngine.builder()
                .settings(EngineSettings.defaults().withIoLoops(1).withShutdownGraceMs(200))
                .listen(ServerConfig.listen("127.0.0.1:0").withTls(TlsFixture.tls(pki)))
                .routeAsync(List.of("POST"), "/upload", new StreamingRoute((req, res) -> {
                    BodyStream s = req.bodyStream();
                    Thread.ofVirtual().start(() -> {
                        CRC32 crc = new CRC32();
                        long n = 0;
                        try {
                            while (true) {
                                maxBuffered.accumulateAndGet(s.buffered(), Math::max);
                                byte[] c = s.read().get(30, TimeUnit.SECONDS);
                                if (c == null) {
                                    break;
                                }
                                crc.update(c);
                                n += c.length;
                            }
                            res.send(Response.text(200, n + " " + Long.toHexString(crc.getValue())));
                        } catch (Exception e) {
                            res.send(Response.text(500, "failed: " + e));
                        }
                    });
                }, 1L << 30, WINDOW))
                .routeAsync(List.of("GET"), "/download/{n}", (req, res) -> {
                    long total = Long.parseLong(req.pathParam("n"));
                    boolean failing = req.queryParams().containsKey("fail");
                    BodyStream body = new BodyStream(WINDOW);
                    res.send(Response.streaming(200, new Headers(1), body));
                    Thread.ofVirtual().start(() -> {
                        try {
                            for (long sent = 0; sent < total; ) {
                                int n = (int) Math.min(16 * 1024, total - sent);
                                byte[] c = new byte[n];
                                for (int i = 0; i < n; i++) {
                                    c[i] = (byte) ((sent + i) % 251);
                                }
                                if (failing && sent >= 100_000) {
                                    body.fail(new IOException("the producer broke"));
                                    return;
                                }
                                body.write(c).get(30, TimeUnit.SECONDS);
                                sent += n;
                            }
                            body.end();
                        } catch (Exception e) {
                            // cancelled: the client went away
                        }
                    });
                })
                .start();
        return engine;
    }

    private String url(String path) {
        return "https://localhost:" + engine.port() + path;
    }

    @Test
    void largeBodiesBothWaysOverH2() throws Exception {
        start();
        long size = 64L << 20;
        Path f = tmp.resolve("up.bin");
        byte[] block = new byte[1 << 20];
        new Random(7).nextBytes(block);
        CRC32 crc = new CRC32();
        try (OutputStream out = Files.newOutputStream(f)) {
            for (long written = 0; written < size; written += block.length) {
                out.write(block);
                crc.update(block);
            }
        }
        String ca = pki.file("ca.pem").toString();
        Cmd.Result up = Cmd.curl(tmp, "--http2", "--cacert", ca, "--max-time", "60", "--data-binary", "@" + f,
                "-w", "|%{http_version}", url("/upload"));
        assertEquals(0, up.exit(), up::toString);
        assertEquals(size + " " + Long.toHexString(crc.getValue()) + "|2", up.out());
        assertTrue(maxBuffered.get() <= WINDOW + 2 * 16 * 1024, "buffered up to " + maxBuffered.get());

        Path down = tmp.resolve("down.bin");
        Cmd.Result get = Cmd.curl(tmp, "--http2", "--cacert", ca, "--max-time", "60", "-o", down.toString(),
                "-w", "%{http_code}|%{http_version}", url("/download/" + size));
        assertEquals(0, get.exit(), get::toString);
        assertEquals("200|2", get.out());
        assertEquals(size, Files.size(down));
        try (InputStream in = new BufferedInputStream(Files.newInputStream(down), 1 << 16)) {
            for (long i = 0; i < size; i++) {
                int b = in.read();
                if (b != i % 251) {
                    fail("octet " + i + " is " + b);
                }
            }
        }
    }

    @Test
    void aFailingProducerIsAStreamErrorForCurl() throws Exception {
        start();
        String ca = pki.file("ca.pem").toString();
        Cmd.Result cut = Cmd.curl(tmp, "--http2", "--cacert", ca, "-o", "/dev/null", url("/download/3000000?fail"));
        assertEquals(92, cut.exit(), "curl: HTTP/2 stream error: " + cut);
        Cmd.Result next = Cmd.curl(tmp, "--http2", "--cacert", ca, "-o", "/dev/null", "-w", "%{http_code}",
                url("/download/1000"));
        assertEquals("200", next.out(), next::toString);
    }
}
