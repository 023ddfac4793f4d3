package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.siphon.http.BodyStream;
import dev.siphon.http.Headers;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.StreamingRoute;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming bodies over HTTP/2 (h2c, prior knowledge) with real clients: curl for large bodies
 * both ways, nghttp for several downloads on one connection, and python-h2 for what only raw
 * frames show: the stream window a slow handler withholds, a client that never opens its window,
 * a producer's failure as RST_STREAM INTERNAL_ERROR, a stalled upload, a body past the route's cap.
 */
@Timeout(120)
class H2StreamingBodyTest {
    private static final String PYTHON = "/usr/bin/python3";
    private static final Path SCRIPT = Path.of("src/test/resources/h2/streaming.py");
    private static final int WINDOW = 64 * 1024;
    /** HTTP/2's initial stream window, which the route's window does not go below. */
    private static final int H2_WINDOW = 65_535;

    @RegisterExtension
    final EngineFixture fixture = new EngineFixture();

    @TempDir
    Path tmp;

    private final AtomicLong maxBuffered = new AtomicLong();
    private final AtomicReference<Throwable> uploadFailure = new AtomicReference<>();
    private final AtomicReference<BodyStream> lastUpload = new AtomicReference<>();
    private volatile CountDownLatch uploadGate = new CountDownLatch(0);
    private final AtomicLong produced = new AtomicLong();
    private final AtomicReference<Throwable> producerStopped = new AtomicReference<>();
    private volatile CountDownLatch producerDone = new CountDownLatch(1);

    @BeforeAll
    static void clientsInstalled() {
        for (String tool : new String[] {"/usr/bin/curl", "/usr/bin/nghttp", PYTHON}) {
            assertTrue(new File(tool).canExecute(), tool + " is required for these tests (bin/ensure-tools)");
        }
    }

    private HttpEngine start(long requestTimeoutMs) throws IOException {
        return fixture.start(EngineFixture.server().withRequestTimeoutMs(requestTimeoutMs), EngineFixture.settings(),
                b -> b.routeAsync(List.of("POST", "PUT"), "/upload", new StreamingRoute((req, res) -> {
                    BodyStream s = req.bodyStream();
                    lastUpload.set(s);
                    Thread.ofVirtual().start(() -> consume(s, res));
                }, 1L << 30, WINDOW))
                        .routeAsync(List.of("POST"), "/capped", new StreamingRoute((req, res) ->
                                Thread.ofVirtual().start(() -> consume(req.bodyStream(), res)), 100_000, WINDOW))
                        .routeAsync(List.of("POST"), "/small", new StreamingRoute((req, res) -> res.send(Response.text(200,
                                "ok")), 1000, WINDOW))
                        .routeAsync(List.of("POST"), "/echo", new StreamingRoute((req, res) -> {
                            // full duplex: each chunk of the request goes back as it arrives
                            BodyStream in = req.bodyStream();
                            BodyStream out = new BodyStream(WINDOW);
                            res.send(Response.streaming(200, new Headers(1), out));
                            Thread.ofVirtual().start(() -> {
                                try {
                                    byte[] c;
                                    while ((c = in.read().get(30, TimeUnit.SECONDS)) != null) {
                                        out.write(c).get(30, TimeUnit.SECONDS);
                                    }
                                    out.end();
                                } catch (Exception e) {
                                    out.fail(e);
                                }
                            });
                        }, 1L << 30, WINDOW))
                        .routeAsync(List.of("GET"), "/ticks", (req, res) -> {
                            BodyStream out = new BodyStream(WINDOW);
                            Headers h = new Headers(1);
                            h.add("content-type", "text/event-stream");
                            res.send(Response.streaming(200, h, out));
                            Thread.ofVirtual().start(() -> {
                                try {
                                    for (int i = 0; i < 4; i++) {
                                        out.write(("data: tick " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                                        Thread.sleep(300);
                                    }
                                    out.end();
                                } catch (Exception e) {
                                    out.fail(e);
                                }
                            });
                        })
                        .routeAsync(List.of("POST"), "/early", new StreamingRoute((req, res) -> {
                            lastUpload.set(req.bodyStream());
                            res.send(Response.text(200, "early"));
                        }, 1L << 30, WINDOW))
                        .routeAsync(List.of("GET", "HEAD"), "/download/{n}", (req, res) -> {
                            long total = Long.parseLong(req.pathParam("n"));
                            BodyStream body = new BodyStream(WINDOW);
                            Headers h = new Headers(2);
                            if (req.queryParams().containsKey("length")) {
                                h.add("content-length", Long.toString(total + (req.queryParams().containsKey("lie") ? 1 : 0)));
                            }
                            res.send(Response.streaming(200, h, body));
                            Thread.ofVirtual().start(() -> produce(body, total, req.queryParams().containsKey("fail")));
                        }));
    }

    /** Reads the whole body (after the gate, once the first chunk is in), answers its length and CRC. */
    private void consume(BodyStream s, dev.siphon.http.Responder res) {
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

    /** Checks a downloaded file octet by octet against the producer's pattern. */
    private static void assertPattern(Path f, long size) throws IOException {
        assertEquals(size, Files.size(f));
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
            for (long i = 0; i < size; i++) {
                int b = in.read();
                if (b != i % 251) {
                    fail("octet " + i + " is " + b + ", not " + (i % 251));
                }
            }
        }
    }

    private static String h2c(HttpEngine e, String path) {
        return "http://127.0.0.1:" + e.port() + path;
    }

    // ---------------------------------------------------------------- python-h2 driver

    /** The python-h2 driver, read phase by phase ("PHASE {json}" lines). */
    private static final class Driver implements AutoCloseable {
        private final Process p;
        private final BufferedReader out;
        private final Writer in;
        private final StringBuilder seen = new StringBuilder();

        Driver(int port, String scenario, long arg) throws IOException {
            p = new ProcessBuilder(PYTHON, SCRIPT.toString(), Integer.toString(port), scenario, Long.toString(arg))
                    .redirectErrorStream(true).start();
            out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            in = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8);
        }

        /** The JSON of the next line starting with {@code phase}; fails on any other phase or the end. */
        String expect(String phase) throws IOException {
            String line;
            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.startsWith(phase + " ")) {
                    System.out.println("streaming.py: " + line);
                    return line.substring(phase.length() + 1);
                }
                if (line.matches("^[A-Z]+ \\{.*")) {
                    fail("expected " + phase + ", the driver said:\n" + seen);
                }
            }
            fail("the driver ended before " + phase + ":\n" + seen);
            return null;
        }

        void proceed() throws IOException {
            in.write("go\n");
            in.flush();
        }

        int exit() throws InterruptedException {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the driver did not finish:\n" + seen);
            return p.exitValue();
        }

        @Override
        public void close() {
            p.destroyForcibly();
        }
    }

    private static long num(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (-?\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }

    private static String str(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (\"[^\"]*\"|null|true|false)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        String v = m.group(1);
        return v.startsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }

    // ---------------------------------------------------------------- tests

    @Test
    void largeBodiesBothWaysWithCurl() throws Exception {
        HttpEngine engine = start(30_000);
        long size = 64L << 20;
        Path f = file(tmp, size);
        String want = size + " " + crcOf(f);
        Curl.Result up = Curl.ok(tmp, "--http2-prior-knowledge", "--data-binary", "@" + f, "-w", "|%{http_version}",
                h2c(engine, "/upload"));
        assertEquals(want + "|2", up.out(), "upload");
        // the handler never found more buffered than the stream window it was given (plus a frame)
        assertTrue(maxBuffered.get() <= Math.max(WINDOW, H2_WINDOW) + 16 * 1024, "buffered up to " + maxBuffered.get());

        Curl.Result down = Curl.ok(tmp, "--http2-prior-knowledge", "-o", "down.bin", "-D", "-", h2c(engine,
                "/download/" + size));
        assertTrue(down.out().startsWith("HTTP/2 200"), down.out());
        assertTrue(!down.out().contains("content-length"), "no length was declared: " + down.out());
        assertPattern(tmp.resolve("down.bin"), size);
        assertTrue(producerDone.await(5, TimeUnit.SECONDS));
        assertEquals(null, producerStopped.get());
    }

    @Test
    void aFullDuplexEchoAndPromptEvents() throws Exception {
        HttpEngine engine = start(30_000);
        long size = 16L << 20;
        Path f = file(tmp, size);
        Curl.Result echo = Curl.ok(tmp, "--http2-prior-knowledge", "--data-binary", "@" + f, "-o", "echo.bin",
                "-w", "%{http_code}", h2c(engine, "/echo"));
        assertEquals("200", echo.out());
        assertEquals(crcOf(f), crcOf(tmp.resolve("echo.bin")), "the echo is the upload");
        // server-sent events: each chunk leaves when it is written, not with the next one
        try (Driver d = new Driver(engine.port(), "events", 0)) {
            String done = d.expect("DONE");
            assertEquals("200", str(done, "status"), done);
            assertEquals(4, num(done, "chunks"), "one DATA frame per event: " + done);
            long firstMs = num(done, "first_ms");
            long lastMs = num(done, "last_ms");
            assertTrue(lastMs - firstMs >= 700, "the first event came when written, 900 ms before the last: " + done);
            assertEquals(0, d.exit());
        }
    }

    @Test
    void aDeclaredLengthIsSentAndHeld() throws Exception {
        HttpEngine engine = start(30_000);
        Curl.Result declared = Curl.ok(tmp, "--http2-prior-knowledge", "-D", "-", "-o", "declared.bin",
                h2c(engine, "/download/100000?length"));
        assertTrue(declared.out().contains("content-length: 100000"), declared.out());
        assertPattern(tmp.resolve("declared.bin"), 100_000);
        // a producer that ends short of its content-length: the stream is reset, not ended
        producerDone = new CountDownLatch(1);
        Curl.Result lie = Curl.run(tmp, "--http2-prior-knowledge", "-o", "lie.bin", h2c(engine, "/download/100000?length&lie"));
        assertEquals(92, lie.exit(), "curl: HTTP/2 stream error: " + lie);
        assertTrue(lie.stderr().contains("INTERNAL_ERROR") || lie.stderr().contains("was not closed cleanly"), lie.stderr());
        // HEAD: the head only, the producer told
        producerDone = new CountDownLatch(1);
        Curl.Result head = Curl.ok(tmp, "--http2-prior-knowledge", "-I", h2c(engine, "/download/5000?length"));
        assertTrue(head.out().startsWith("HTTP/2 200"), head.out());
        assertTrue(head.out().contains("content-length: 5000"), head.out());
        assertTrue(producerDone.await(5, TimeUnit.SECONDS), "the producer of a HEAD response was cancelled");
        assertTrue(producerStopped.get() instanceof BodyStream.CancelledException, String.valueOf(producerStopped.get()));
    }

    @Test
    void aSlowHandlerWithholdsTheStreamWindow() throws Exception {
        HttpEngine engine = start(30_000);
        uploadGate = new CountDownLatch(1);
        long size = 8L << 20;
        try (Driver d = new Driver(engine.port(), "slow-upload", size)) {
            String blocked = d.expect("BLOCKED");
            long sent = num(blocked, "sent");
            // the client could send the stream window, plus what the handler took before it stopped (a chunk)
            assertTrue(sent <= Math.max(WINDOW, H2_WINDOW) + 16 * 1024 + 16 * 1024, "sent " + sent + ": " + blocked);
            assertTrue(sent >= H2_WINDOW, "the client could send its initial window: " + blocked);
            assertEquals(0, num(blocked, "window"), "no window left while the handler waits: " + blocked);
            assertEquals("200", str(blocked, "other_status"), "another stream is not held up: " + blocked);
            assertEquals("true", str(blocked, "other_echoed"), blocked);
            BodyStream stream = lastUpload.get();
            assertNotNull(stream);
            assertEquals(sent, stream.produced(), "what arrived went to the handler's stream, and no more");
            assertTrue(stream.buffered() <= Math.max(WINDOW, H2_WINDOW) + 16 * 1024, stream.toString());
            uploadGate.countDown();
            d.proceed();
            String done = d.expect("DONE");
            assertEquals("200", str(done, "status"), done);
            assertTrue(str(done, "body").startsWith(size + " "), done);
            assertEquals(0, d.exit());
        }
    }

    @Test
    void aClientThatOpensNoWindowHoldsTheProducerAndItsResetCancelsIt() throws Exception {
        HttpEngine engine = start(30_000);
        long total = 1L << 30;
        try (Driver d = new Driver(engine.port(), "no-window", total)) {
            String stalled = d.expect("STALLED");
            assertEquals("200", str(stalled, "status"), stalled);
            assertEquals(H2_WINDOW, num(stalled, "received"), "exactly the client's window: " + stalled);
            long p = produced.get();
            Thread.sleep(500);
            assertEquals(p, produced.get(), "the producer is held while the client reads nothing");
            // what the producer could write ahead: what was sent, the stream's window, a chunk or two
            assertTrue(p <= H2_WINDOW + WINDOW + 2 * 16 * 1024, "produced " + p);
            d.proceed();
            String reset = d.expect("RESET");
            assertEquals("200", str(reset, "next_status"), reset);
            assertEquals(1000, num(reset, "next_length"), reset);
            assertEquals(0, d.exit());
        }
        // the second download's producer is done too; wait for the first one's cancellation
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(producerStopped.get() instanceof BodyStream.CancelledException) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(producerStopped.get() instanceof BodyStream.CancelledException, String.valueOf(producerStopped.get()));
    }

    @Test
    void aClosedConnectionCancelsTheProducerAndFailsTheUpload() throws Exception {
        HttpEngine engine = start(30_000);
        try (Driver d = new Driver(engine.port(), "leave", 1L << 30)) {
            d.expect("LEAVING");
            assertEquals(0, d.exit());
        }
        assertTrue(producerDone.await(10, TimeUnit.SECONDS), "the producer was told the client left");
        assertTrue(producerStopped.get() instanceof BodyStream.CancelledException, String.valueOf(producerStopped.get()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (uploadFailure.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Throwable failure = uploadFailure.get();
        assertTrue(failure instanceof BodyStream.BodyFailedException f && f.status() == 0, String.valueOf(failure));
    }

    @Test
    void aFailingProducerResetsItsStreamAndTheConnectionGoesOn() throws Exception {
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("siphon.http.h2");
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel() == java.util.logging.Level.SEVERE) {
                    errors.add(r.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        log.addHandler(capture);
        try {
            failingProducer(errors);
        } finally {
            log.removeHandler(capture);
        }
    }

    private void failingProducer(List<String> errors) throws Exception {
        HttpEngine engine = start(30_000);
        try (Driver d = new Driver(engine.port(), "producer-fails", 0)) {
            String done = d.expect("DONE");
            assertTrue(done.contains("\"reset\": 2"), "RST_STREAM INTERNAL_ERROR: " + done);
            assertTrue(done.contains("\"ended\": false"), "never END_STREAM: " + done);
            assertTrue(done.contains("\"pattern\": true"), done);
            assertEquals("200", str(done, "next_status"), done);
            assertEquals(1000, num(done, "next_length"), done);
            assertEquals("true", str(done, "next_ok"), done);
            assertEquals(0, d.exit());
        }
        assertTrue(errors.stream().anyMatch(m -> m.contains("(route /download/{n})") && m.contains("the producer broke")
                && m.contains("INTERNAL_ERROR")), "an ERROR names the route: " + errors);
        // curl sees the cut body as an error, not as a whole one
        Curl.Result cut = Curl.run(tmp, "--http2-prior-knowledge", "-o", "cut.bin", h2c(engine, "/download/3000000?fail"));
        assertEquals(92, cut.exit(), "curl: HTTP/2 stream error: " + cut);
    }

    @Test
    void aStalledUploadGets408AndTheHandlerSeesIt() throws Exception {
        HttpEngine engine = start(700);
        try (Driver d = new Driver(engine.port(), "stall", 0)) {
            String done = d.expect("DONE");
            assertEquals("408", str(done, "status"), done);
            assertEquals(0, d.exit());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (uploadFailure.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Throwable failure = uploadFailure.get();
        assertTrue(failure instanceof BodyStream.BodyFailedException f && f.status() == 408, String.valueOf(failure));
    }

    @Test
    void theRoutesCap() throws Exception {
        HttpEngine engine = start(30_000);
        Path f = file(tmp, 5000);
        // a declared length past the cap: 413 before the handler runs
        Curl.Result declared = Curl.ok(tmp, "--http2-prior-knowledge", "--data-binary", "@" + f, "-o", "/dev/null",
                "-w", "%{http_code}", h2c(engine, "/small"));
        assertEquals("413", declared.out());
        // no length: the body fails at the cap, the handler's stream raises 413 and 413 is answered
        try (Driver d = new Driver(engine.port(), "no-length", 300_000)) {
            String done = d.expect("DONE");
            assertEquals("413", str(done, "status"), done);
            assertEquals(0, d.exit());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (uploadFailure.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Throwable failure = uploadFailure.get();
        assertTrue(failure instanceof BodyStream.BodyFailedException e && e.status() == 413, String.valueOf(failure));
        // a handler that answers before reading: its answer, and the rest of the body drained
        Curl.Result early = Curl.ok(tmp, "--http2-prior-knowledge", "--data-binary", "0123456789", h2c(engine, "/small"));
        assertEquals("ok", early.out());
        // a larger body, still arriving when the answer is written: drained to its end, not reset
        // (nghttp here: curl 7.88 stops sending an upload once the response is complete)
        Path mib = file(tmp, 1 << 20);
        for (int i = 0; i < 3; i++) {
            Process p = new ProcessBuilder("/usr/bin/nghttp", "-v", "-d", mib.toString(), h2c(engine, "/early"))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("early"), out);
            assertTrue(!out.contains("recv RST_STREAM"), "the rest was drained: " + out);
            assertTrue(Pattern.compile("send DATA frame <length=\\d+, flags=0x01, stream_id=13>").matcher(out).find(),
                    "the whole body was sent: " + out);
            assertTrue(lastUpload.get().isCancelled(), "the handler's body stream is cancelled once it answered");
        }
    }

    @Test
    void streamingResponsesShareTheConnection() throws Exception {
        HttpEngine engine = start(30_000);
        try (Driver d = new Driver(engine.port(), "fair", 2_000_000)) {
            String done = d.expect("DONE");
            assertEquals("true", str(done, "ok"), done);
            for (String sid : new String[] {"1", "3", "5"}) {
                assertEquals(2_000_000, num(done.substring(done.indexOf("lengths")), sid), done);
                // when the first stream ended, each of the others had had a good share of the connection
                long share = num(done.substring(done.indexOf("at_first_end"), done.indexOf("lengths")), sid);
                assertTrue(share >= 500_000, "stream " + sid + " starved: " + done);
            }
            assertEquals(0, d.exit());
        }
        // nghttp: three downloads at once on one connection, behind a 64 KiB connection window
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/nghttp", "-n", "-s", "-W", "16"));
        for (int i = 0; i < 3; i++) {
            cmd.add(h2c(engine, "/download/4000000?n=" + i)); // (nghttp fetches a URI given twice once)
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals(3, out.split(" 200 +\\S+ /download/4000000\\?n=").length - 1, out);
    }
}
