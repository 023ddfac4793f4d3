package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.BodyStream;
import dev.siphon.http.Headers;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.StreamingRoute;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming bodies over HTTP/1.1 with real clients (curl, raw sockets): a streaming route reads
 * its body as it arrives and the connection reads only as fast as the handler takes it; a
 * streaming response leaves chunk by chunk, only as fast as the client reads; a producer that
 * fails cuts the body short visibly; a stalled upload gets 408.
 */
class StreamingBodyTest {
    private static final int WINDOW = 64 * 1024;

    @RegisterExtension
    final EngineFixture fixture = new EngineFixture();

    @TempDir
    Path tmp;

    /** What the upload handler saw. */
    private final AtomicLong maxBuffered = new AtomicLong();
    private final AtomicReference<Throwable> uploadFailure = new AtomicReference<>();
    private final AtomicReference<BodyStream> lastUpload = new AtomicReference<>();
    private volatile CountDownLatch uploadGate = new CountDownLatch(0);
    /** What the download producer did. */
    private final AtomicLong produced = new AtomicLong();
    private final AtomicReference<Throwable> producerStopped = new AtomicReference<>();
    private final CountDownLatch producerDone = new CountDownLatch(1);

    private HttpEngine start(long requestTimeoutMs) throws IOException {
        return fixture.start(EngineFixture.server().withRequestTimeoutMs(requestTimeoutMs), EngineFixture.settings(),
                b -> b.routeAsync(List.of("POST", "PUT"), "/upload", new StreamingRoute((req, res) -> {
                    BodyStream s = req.bodyStream();
                    lastUpload.set(s);
                    Thread.ofVirtual().start(() -> {
                        CRC32 crc = new CRC32();
                        long n = 0;
                        try {
                            boolean first = true;
                            while (true) {
                                maxBuffered.accumulateAndGet(s.buffered(), Math::max);
                                byte[] c = s.read().get(30, TimeUnit.SECONDS);
                                if (c == null) {
                                    break;
                                }
                                if (first) {
                                    first = false;
                                    uploadGate.await();
                                }
                                crc.update(c);
                                n += c.length;
                            }
                            res.send(Response.text(200, n + " " + Long.toHexString(crc.getValue())));
                        } catch (Exception e) {
                            uploadFailure.set(e.getCause() != null ? e.getCause() : e);
                            res.send(Response.text(500, "failed"));
                        }
                    });
                }, 1L << 30, WINDOW))
                        .routeAsync(List.of("POST"), "/echo", new StreamingRoute((req, res) -> {
                            BodyStream out = new BodyStream(WINDOW);
                            res.send(Response.streaming(200, new Headers(1), out));
                            Thread.ofVirtual().start(() -> {
                                try {
                                    byte[] c;
                                    while ((c = req.bodyStream().read().get(30, TimeUnit.SECONDS)) != null) {
                                        out.write(c).get(30, TimeUnit.SECONDS);
                                    }
                                    out.end();
                                } catch (Exception e) {
                                    out.fail(e);
                                }
                            });
                        }, 1L << 30, WINDOW))
                        .routeAsync(List.of("POST"), "/small", new StreamingRoute((req, res) -> res.send(Response.text(200,
                                "ok")), 1000, WINDOW))
                        .routeAsync(List.of("GET"), "/download/{n}", (req, res) -> {
                            long total = Long.parseLong(req.pathParam("n"));
                            BodyStream body = new BodyStream(WINDOW);
                            Headers h = new Headers(2);
                            if (req.queryParams().containsKey("length")) {
                                h.add("content-length", Long.toString(total));
                            }
                            res.send(Response.streaming(200, h, body));
                            Thread.ofVirtual().start(() -> produce(body, total, req.queryParams().containsKey("fail")));
                        }));
    }

    private void produce(BodyStream body, long total, boolean fail) {
        StreamFiles.produce(body, total, fail, produced, producerStopped, producerDone);
    }

    private static Path file(Path dir, long size) throws IOException {
        return StreamFiles.file(dir, size);
    }

    private static String crcOf(Path f) throws IOException {
        return StreamFiles.crcOf(f);
    }

    @Test
    void aLargeUploadArrivesWholeThroughABoundedWindow() throws Exception {
        HttpEngine engine = start(30_000);
        long size = 64L << 20;
        Path f = file(tmp, size);
        String want = size + " " + crcOf(f);
        String url = "http://127.0.0.1:" + engine.port() + "/upload";
        Curl.Result fixed = Curl.ok(tmp, "--data-binary", "@" + f, "-H", "content-type: application/octet-stream", url);
        assertEquals(want, fixed.out(), "Content-Length upload");
        Curl.Result chunked = Curl.ok(tmp, "--data-binary", "@" + f, "-H", "transfer-encoding: chunked", url);
        assertEquals(want, chunked.out(), "chunked upload");
        // what the handler found buffered: the window plus at most one socket read
        int read = EngineFixture.settings().bufferSize();
        assertTrue(maxBuffered.get() <= WINDOW + read + 16 * 1024, "buffered up to " + maxBuffered.get());
    }

    /** The body streams in and out at once (a handler that answers before its request body ended). */
    @Test
    void anEchoStreamsBothWays() throws Exception {
        HttpEngine engine = start(30_000);
        Path f = file(tmp, 8L << 20);
        String url = "http://127.0.0.1:" + engine.port() + "/echo";
        Curl.ok(tmp, "--data-binary", "@" + f, "-o", "echo.bin", url);
        assertEquals(crcOf(f), crcOf(tmp.resolve("echo.bin")));
        Curl.ok(tmp, "--data-binary", "@" + f, "-H", "transfer-encoding: chunked", "-o", "echo2.bin", url);
        assertEquals(crcOf(f), crcOf(tmp.resolve("echo2.bin")));
    }

    @Test
    void aSlowHandlerStopsTheConnectionReading() throws Exception {
        HttpEngine engine = start(30_000);
        uploadGate = new CountDownLatch(1);
        long size = 32L << 20;
        try (Socket s = new Socket("127.0.0.1", engine.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: " + size + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                byte[] block = new byte[64 * 1024];
                try {
                    for (long sent = 0; sent < size; sent += block.length) {
                        out.write(block);
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(1500);
            BodyStream stream = lastUpload.get();
            assertNotNull(stream);
            long taken = stream.produced();
            assertTrue(taken <= 2L * WINDOW + 64 * 1024, "the engine read " + taken + " octets while the handler took one chunk");
            assertTrue(!sender.isDone(), "the client could not send it all: the engine stopped reading");
            uploadGate.countDown();
            sender.get(30, TimeUnit.SECONDS);
            RawResponse r = readResponse(s.getInputStream());
            assertEquals(200, r.status());
            assertTrue(r.text().startsWith(size + " "), r.text());
        }
    }

    @Test
    void aStreamingResponseWaitsForTheClient() throws Exception {
        HttpEngine engine = start(30_000);
        long total = 64L << 20;
        try (Socket s = new Socket("127.0.0.1", engine.port())) {
            s.setSoTimeout(10_000);
            s.setReceiveBufferSize(64 * 1024);
            s.getOutputStream().write("GET /download/67108864 HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] b = new byte[1 << 20];
            int got = in.readNBytes(b, 0, b.length);
            assertEquals(b.length, got);
            String head = new String(b, 0, 200, StandardCharsets.ISO_8859_1);
            assertTrue(head.contains("transfer-encoding: chunked"), head);
            Thread.sleep(1000);
            long p = produced.get();
            assertTrue(p < total / 2, "the producer ran ahead of the client: " + p + " of " + total);
            // the rest, chunked framing decoded: every octet in order, then the last chunk
            ChunkedReader chunks = new ChunkedReader(b, got, in);
            long n = chunks.readAll((off, value) -> assertEquals((byte) (off % 251), value));
            assertEquals(total, n);
        }
        assertTrue(producerDone.await(5, TimeUnit.SECONDS));
        assertEquals(null, producerStopped.get());
    }

    @Test
    void curlReadsAStreamedBodyWholeAndSeesACutOneAsCut() throws Exception {
        HttpEngine engine = start(30_000);
        String base = "http://127.0.0.1:" + engine.port();
        Curl.Result whole = Curl.ok(tmp, "-o", "whole.bin", "-w", "%{size_download}", base + "/download/3000000");
        assertEquals("3000000", whole.out());
        Curl.Result declared = Curl.ok(tmp, "-D", "-", "-o", "declared.bin", base + "/download/100000?length");
        assertTrue(declared.out().contains("content-length: 100000"), declared.out());
        assertTrue(!declared.out().contains("transfer-encoding"), declared.out());
        Curl.Result cut = Curl.run(tmp, "-o", "cut.bin", base + "/download/3000000?fail");
        assertEquals(18, cut.exit(), "curl: partial file (no last chunk): " + cut);
        Curl.ok(tmp, base + "/download/10"); // the server goes on serving
    }

    @Test
    void aClientThatLeavesCancelsTheProducer() throws Exception {
        HttpEngine engine = start(30_000);
        try (Socket s = new Socket("127.0.0.1", engine.port())) {
            s.getOutputStream().write("GET /download/1073741824 HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readNBytes(100_000);
        }
        assertTrue(producerDone.await(10, TimeUnit.SECONDS), "the producer was told the client left");
        assertTrue(producerStopped.get() instanceof BodyStream.CancelledException, String.valueOf(producerStopped.get()));
    }

    @Test
    void aStalledUploadGets408AndTheHandlerSeesIt() throws Exception {
        HttpEngine engine = start(700);
        try (Socket s = new Socket("127.0.0.1", engine.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n0123456789"
                    .getBytes(StandardCharsets.US_ASCII));
            RawResponse r = readResponse(s.getInputStream());
            assertEquals(408, r.status(), "the engine's answer comes before the handler's read fails: " + r.text());
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (uploadFailure.get() == null && System.nanoTime() < until) {
            Thread.sleep(20); // the handler's thread records it just after the answer left
        }
        Throwable failure = uploadFailure.get();
        assertTrue(failure instanceof BodyStream.BodyFailedException f && f.status() == 408, String.valueOf(failure));
    }

    @Test
    void theRoutesCapAndHttp10() throws Exception {
        HttpEngine engine = start(30_000);
        try (Socket s = new Socket("127.0.0.1", engine.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("POST /small HTTP/1.1\r\nhost: x\r\ncontent-length: 5000\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertEquals(413, readResponse(s.getInputStream()).status());
        }
        try (Socket s = new Socket("127.0.0.1", engine.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /download/5000 HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] all = s.getInputStream().readAllBytes(); // the body ends with the connection
            String text = new String(all, StandardCharsets.ISO_8859_1);
            int bodyAt = text.indexOf("\r\n\r\n") + 4;
            assertTrue(!text.substring(0, bodyAt).contains("chunked"), text.substring(0, bodyAt));
            assertEquals(5000, all.length - bodyAt);
        }
    }

    private static RawResponse readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(h.substring(9, 12));
        int cl = h.toLowerCase().indexOf("content-length: ");
        int len = cl < 0 ? 0 : Integer.parseInt(h.substring(cl + 16, h.indexOf("\r\n", cl)).strip());
        return new RawResponse(status, h, in.readNBytes(len));
    }

    record RawResponse(int status, String head, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Decodes a chunked body whose first octets (after the head) are already in {@code first}. */
    static final class ChunkedReader {
        interface OctetCheck {
            void check(long offset, byte value);
        }

        private final InputStream in;
        private byte[] buf;
        private int pos;
        private int len;

        ChunkedReader(byte[] first, int firstLen, InputStream in) {
            this.in = in;
            String s = new String(first, 0, firstLen, StandardCharsets.ISO_8859_1);
            int bodyAt = s.indexOf("\r\n\r\n") + 4;
            buf = first;
            pos = bodyAt;
            len = firstLen;
        }

        private int next() throws IOException {
            if (pos == len) {
                len = in.read(buf, 0, buf.length);
                pos = 0;
                if (len <= 0) {
                    throw new IOException("the body ended before its last chunk");
                }
            }
            return buf[pos++] & 0xFF;
        }

        long readAll(OctetCheck check) throws IOException {
            long total = 0;
            while (true) {
                StringBuilder size = new StringBuilder();
                int c;
                while ((c = next()) != '\r') {
                    size.append((char) c);
                }
                next(); // \n
                int n = Integer.parseInt(size.toString(), 16);
                for (int i = 0; i < n; i++) {
                    check.check(total + i, (byte) next());
                }
                total += n;
                next(); // \r
                next(); // \n
                if (n == 0) {
                    return total;
                }
            }
        }
    }
}
