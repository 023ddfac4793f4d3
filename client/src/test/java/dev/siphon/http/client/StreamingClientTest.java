package dev.siphon.http.client;

import static dev.siphon.http.client.StreamTestSupport.bytes;
import static dev.siphon.http.client.StreamTestSupport.crc;
import static dev.siphon.http.client.Upstreams.eventually;
import static dev.siphon.http.h2.FrameType.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.BodyStream;
import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.h2.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Streamed request and response bodies of {@link HttpClient#sendStream} and
 * {@link HttpClient#sendStreaming}, over HTTP/1.1 and h2c, against real loopback origins: an
 * HTTP/1.1 socket origin that counts and checksums what it reads (or writes), HTTP/2 origins at
 * the frame level that apply real flow control, and the engine itself for interoperation.
 */
class StreamingClientTest {
    private static final long MIB = 1 << 20;

    @RegisterExtension
    final Upstreams up = new Upstreams();

    private HttpClient client(String base, boolean h2c) {
        return up.client(HttpClient.builder().baseUrl(base).http2PriorKnowledge(h2c).timeoutMs(60_000));
    }

    private static Throwable cause(Throwable t) {
        return t instanceof CompletionException || t instanceof ExecutionException ? t.getCause() : t;
    }

    // ---------------------------------------------------------------- uploads

    @Test
    void uploads256MiBChunkedOverHttp1WithBoundedBuffering() throws Exception {
        LinkedBlockingQueue<StreamTestSupport.Got> seen = new LinkedBlockingQueue<>();
        RawServer origin = up.raw(StreamTestSupport.sink(seen));
        HttpClient c = client(origin.url(), false);
        long total = 256 * MIB;
        BodyStream body = new BodyStream(); // DEFAULT_WINDOW
        StreamTestSupport.Producer producer = new StreamTestSupport.Producer(body, total, 64 * 1024, -1);
        ClientResponse r = c.sendStream("POST", "/sink", Map.of("content-type", "application/octet-stream"), body)
                .get(120, TimeUnit.SECONDS);
        assertEquals(200, r.status());
        long crc = crc(total);
        assertEquals(total + " " + crc, r.text());
        StreamTestSupport.Got got = seen.take();
        assertEquals("chunked", got.framing());
        assertTrue(got.complete());
        assertEquals(total, producer.done.get(5, TimeUnit.SECONDS));
        // the producer waited for the client: the pipe never held more than its window and one chunk
        assertTrue(producer.maxBuffered.get() <= BodyStream.DEFAULT_WINDOW + 64 * 1024, producer.maxBuffered + " buffered");
        assertTrue(body.isDone());
        // the connection is whole and reusable
        assertEquals(200, c.post("/sink", new byte[10]).join().status());
        assertEquals(1, origin.accepted());
    }

    @Test
    void uploads256MiBOverH2cUnderFlowControlWithBoundedBuffering() throws Exception {
        try (RawH2Server origin = new RawH2Server()) {
            HttpClient c = client(origin.url(), true);
            long total = 256 * MIB;
            BodyStream body = new BodyStream();
            StreamTestSupport.Producer producer = new StreamTestSupport.Producer(body, total, 64 * 1024, -1);
            var f = c.sendStream("PUT", "/up", Map.of("content-length", Long.toString(total)), body);
            RawH2Server.Peer p = origin.accept();
            p.handshake(SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20);
            p.frame(WINDOW_UPDATE, 0, 0, StreamTestSupport.int32((16 << 20) - 65_535));
            RawH2Server.Frame headers = p.expect(HEADERS, 1);
            Map<String, String> fields = new java.util.HashMap<>();
            new dev.siphon.http.h2.hpack.HpackDecoder(4096, 65_536).decode(headers.payload(), 0,
                    headers.payload().length, (name, value, sensitive) -> fields.put(name, value));
            assertEquals(Long.toString(total), fields.get("content-length"), "the given length goes out");
            assertEquals("PUT", fields.get(":method"));
            StreamTestSupport.Upload u = StreamTestSupport.takeUpload(p, 1);
            assertTrue(u.endStream());
            assertEquals(total, u.octets());
            long crc = crc(total);
            assertEquals(crc, u.crc());
            ClientResponse r = f.get(30, TimeUnit.SECONDS);
            assertEquals(total + " " + crc, r.text());
            assertEquals("HTTP/2", r.version());
            assertTrue(producer.maxBuffered.get() <= BodyStream.DEFAULT_WINDOW + 64 * 1024, producer.maxBuffered + " buffered");
            assertTrue(u.frames() >= total / 16_384, "DATA frames of at most the peer's max frame size");
        }
    }

    @Test
    void uploadProducedAsTheWindowsOpenDoesNotRunAheadOfTheOrigin() throws Exception {
        // the origin grants 64 KiB and then stops crediting: the client must stop taking from the stream
        try (RawH2Server origin = new RawH2Server()) {
            HttpClient c = client(origin.url(), true);
            BodyStream body = new BodyStream(128 * 1024);
            StreamTestSupport.Producer producer = new StreamTestSupport.Producer(body, 64 * MIB, 16 * 1024, -1);
            var f = c.sendStream("POST", "/up", Map.of(), body);
            RawH2Server.Peer p = origin.accept();
            p.handshake(); // default windows: 65,535 octets per stream and for the connection
            p.expect(HEADERS, 1);
            long got = 0;
            while (got < 65_535) {
                got += p.expect(DATA, 1).payload().length;
            }
            Thread.sleep(500);
            // taken: what went out, at most the socket's queue high water, and the pipe's window and a chunk
            long produced = body.produced();
            assertTrue(produced <= 65_535 + Http2Connection.UPLOAD_HIGH_WATER + 128 * 1024 + 16 * 1024,
                    "produced " + produced + " with 64 KiB of window");
            assertFalse(producer.done.isDone());
            f.cancel(true);
            assertEquals(ErrorCode.CANCEL, StreamTestSupport.takeUpload(p, 1).reset().errorCode());
            ExecutionException e = assertThrows(ExecutionException.class, () -> producer.done.get(5, TimeUnit.SECONDS));
            assertNotNull(e.getCause(), "the producer's write fails once the request is gone");
        }
    }

    @Test
    void producerFailureCutsTheHttp1BodyWithoutItsLastChunk() throws Exception {
        LinkedBlockingQueue<StreamTestSupport.Got> seen = new LinkedBlockingQueue<>();
        RawServer origin = up.raw(StreamTestSupport.sink(seen));
        HttpClient c = client(origin.url(), false);
        BodyStream body = new BodyStream();
        new StreamTestSupport.Producer(body, 64 * MIB, 32 * 1024, 3 * MIB);
        CompletionException e = assertThrows(CompletionException.class,
                () -> c.sendStream("POST", "/sink", Map.of(), body).join());
        RequestBodyException rbe = assertInstanceOf(RequestBodyException.class, e.getCause());
        assertTrue(rbe.getMessage().contains("failed after"), rbe.getMessage());
        assertTrue(rbe.getCause().getMessage().contains("the producer broke"), rbe.getCause().toString());
        StreamTestSupport.Got got = seen.poll(5, TimeUnit.SECONDS);
        assertNotNull(got);
        assertEquals("chunked", got.framing());
        assertFalse(got.complete(), "the origin must not see a whole body");
        assertTrue(got.octets() <= 3 * MIB, got.octets() + " octets");
        eventually("the connection is closed, not pooled", () -> c.openConnections() == 0);
    }

    @Test
    void producerFailureResetsTheH2Stream() throws Exception {
        try (RawH2Server origin = new RawH2Server()) {
            HttpClient c = client(origin.url(), true);
            BodyStream body = new BodyStream();
            new StreamTestSupport.Producer(body, 64 * MIB, 32 * 1024, 2 * MIB);
            var f = c.sendStream("POST", "/up", Map.of(), body);
            RawH2Server.Peer p = origin.accept();
            p.handshake(SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20);
            p.frame(WINDOW_UPDATE, 0, 0, StreamTestSupport.int32((16 << 20) - 65_535));
            p.expect(HEADERS, 1);
            StreamTestSupport.Upload u = StreamTestSupport.takeUpload(p, 1);
            assertFalse(u.endStream());
            assertNotNull(u.reset(), "RST_STREAM");
            assertEquals(ErrorCode.CANCEL, u.reset().errorCode());
            assertEquals(2 * MIB, u.octets(), "every octet produced before the failure went out");
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertInstanceOf(RequestBodyException.class, e.getCause());
            // the connection stays: another request goes on it
            var again = c.get("/again");
            p.expect(HEADERS, 3);
            p.respond(3, "again");
            assertEquals("again", again.get(5, TimeUnit.SECONDS).text());
            assertEquals(1, origin.accepted());
        }
    }

    @Test
    void contentLengthMustMatchTheStreamOverHttp1() throws Exception {
        LinkedBlockingQueue<StreamTestSupport.Got> seen = new LinkedBlockingQueue<>();
        RawServer origin = up.raw(StreamTestSupport.sink(seen));
        HttpClient c = client(origin.url(), false);
        // short
        BodyStream shortBody = new BodyStream();
        shortBody.offer(bytes(0, 500));
        shortBody.end();
        CompletionException e = assertThrows(CompletionException.class,
                () -> c.sendStream("PUT", "/sink", Map.of("Content-Length", "1000"), shortBody).join());
        RequestBodyException rbe = assertInstanceOf(RequestBodyException.class, e.getCause());
        assertTrue(rbe.getMessage().contains("ended after 500 octets, short of its content-length 1000"),
                rbe.getMessage());
        StreamTestSupport.Got got = seen.poll(5, TimeUnit.SECONDS);
        assertEquals("length", got.framing());
        assertFalse(got.complete());
        assertEquals(500, got.octets());
        // long
        BodyStream longBody = new BodyStream();
        longBody.offer(bytes(0, 800));
        longBody.offer(bytes(800, 800));
        longBody.end();
        e = assertThrows(CompletionException.class,
                () -> c.sendStream("PUT", "/sink", Map.of("content-length", "1000"), longBody).join());
        rbe = assertInstanceOf(RequestBodyException.class, e.getCause());
        assertTrue(rbe.getMessage().contains("runs past its content-length 1000"), rbe.getMessage());
        got = seen.poll(5, TimeUnit.SECONDS);
        assertFalse(got.complete());
        assertEquals(800, got.octets());
        eventually("both connections closed, none reused", () -> c.openConnections() == 0);
        assertEquals(2, origin.accepted());
        // exact: sent with the length, the connection reused after
        BodyStream exact = BodyStream.of(bytes(0, 1000));
        assertEquals("1000 " + crc(1000), c.sendStream("PUT", "/sink", Map.of("content-length", "1000"), exact)
                .join().text());
        assertEquals("length", seen.poll(5, TimeUnit.SECONDS).framing());
        // a length that is no number is the caller's error
        assertThrows(IllegalArgumentException.class,
                () -> c.sendStream("PUT", "/sink", Map.of("content-length", "12a"), new BodyStream()));
    }

    @Test
    void contentLengthShortOverH2ResetsTheStream() throws Exception {
        try (RawH2Server origin = new RawH2Server()) {
            HttpClient c = client(origin.url(), true);
            BodyStream body = new BodyStream();
            body.offer(bytes(0, 500));
            var f = c.sendStream("PUT", "/up", Map.of("content-length", "1000"), body);
            RawH2Server.Peer p = origin.accept();
            p.handshake();
            p.expect(HEADERS, 1);
            body.end();
            StreamTestSupport.Upload u = StreamTestSupport.takeUpload(p, 1);
            assertEquals(500, u.octets());
            assertEquals(ErrorCode.CANCEL, u.reset().errorCode());
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("short of its content-length 1000"), e.getCause().getMessage());
        }
    }

    @Test
    void streamedBodyIsNotResentOnA307ButA303IsFollowedWithAGet() throws Exception {
        LinkedBlockingQueue<StreamTestSupport.Got> seen = new LinkedBlockingQueue<>();
        RawServer origin = up.raw(StreamTestSupport.sink(seen));
        HttpClient c = client(origin.url(), false);
        BodyStream body = BodyStream.of(bytes(0, 4096));
        ClientResponse r = c.sendStream("POST", "/r307", Map.of(), body).join();
        assertEquals(307, r.status(), "returned as is");
        assertEquals("/sink", r.header("location"));
        assertTrue(seen.take().head().startsWith("POST /r307 "));
        assertNull(seen.poll(300, TimeUnit.MILLISECONDS), "not followed");
        // and the engine, over HTTP/1.1 and h2c, a 307 and a 303
        HttpEngine e = HttpEngine.builder().listen(ServerConfig.listen("127.0.0.1:0").withMaxBodyBytes(8 << 20))
                .settings(Upstreams.settings())
                .route("POST", "/r307", req -> new Response(307).header("location", "/echo"))
                .route("POST", "/r303", req -> new Response(303).header("location", "/echo"))
                .route(List.of("GET", "POST"), "/echo", req -> Response.of(200, req.body()).header("x-method", req.method()))
                .start();
        up.closeLater(e);
        for (boolean h2c : new boolean[] {false, true}) {
            HttpClient ec = client(Upstreams.url(e), h2c);
            long before = e.counters().requests();
            ClientResponse r307 = ec.sendStream("POST", "/r307", Map.of(), BodyStream.of(bytes(0, 70_000))).join();
            assertEquals(307, r307.status());
            assertEquals(before + 1, e.counters().requests(), "one request: the 307 was not followed");
            ClientResponse r303 = ec.sendStream("POST", "/r303", Map.of(), BodyStream.of(bytes(0, 70_000))).join();
            assertEquals(200, r303.status());
            assertEquals("GET", r303.header("x-method"));
            assertEquals(0, r303.body().length);
        }
    }

    @Test
    void streamedUploadsInteroperateWithTheEngine() throws Exception {
        HttpEngine e = up.engine();
        for (boolean h2c : new boolean[] {false, true}) {
            HttpClient c = client(Upstreams.url(e), h2c);
            for (String length : new String[] {null, Long.toString(3 * MIB + 7)}) {
                BodyStream body = new BodyStream(64 * 1024);
                new StreamTestSupport.Producer(body, 3 * MIB + 7, 10_000, -1);
                ClientResponse r = c.sendStream("PUT", "/echo",
                        length == null ? Map.of("x-test", "t") : Map.of("x-test", "t", "content-length", length), body)
                        .get(30, TimeUnit.SECONDS);
                assertEquals(200, r.status());
                assertEquals(h2c ? "HTTP/2" : "HTTP/1.1", r.version());
                assertArrayEquals(bytes(0, (int) (3 * MIB + 7)), r.body());
            }
            // an empty stream: an empty body
            BodyStream empty = new BodyStream();
            empty.end();
            ClientResponse r = c.sendStream("POST", "/echo", Map.of(), empty).join();
            assertEquals(0, r.body().length);
            assertEquals("POST", r.header("x-method"));
        }
    }

    // ---------------------------------------------------------------- downloads

    /** Reads at least {@code n} octets of {@code s} (whole chunks) into {@code crc}, or to its end; how many. */
    private static long read(BodyStream s, long n, CRC32 crc) throws Exception {
        long got = 0;
        while (got < n) {
            byte[] c = s.read().get(30, TimeUnit.SECONDS);
            if (c == null) {
                return got;
            }
            crc.update(c);
            got += c.length;
        }
        return got;
    }

    /** Watches {@code s} for {@code ms} while nobody reads it; the most it held. */
    private static long pause(BodyStream s, long ms) throws InterruptedException {
        long max = 0;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (System.nanoTime() < end) {
            max = Math.max(max, s.buffered());
            Thread.sleep(5);
        }
        return Math.max(max, s.buffered());
    }

    @Test
    void slowReaderStopsTheHttp1SocketAndTheOriginBlocks() throws Exception {
        long total = 64 * MIB;
        AtomicLong written = new AtomicLong();
        AtomicBoolean broke = new AtomicBoolean();
        RawServer origin = up.raw(StreamTestSupport.source(total, written, broke));
        HttpClient c = client(origin.url(), false);
        StreamingResponse r = c.sendStreaming("GET", "/big", Map.of(), (byte[]) null).get(10, TimeUnit.SECONDS);
        assertEquals(200, r.status());
        assertEquals(Long.toString(total), r.header("content-length"));
        BodyStream s = r.body();
        CRC32 crc = new CRC32();
        long first = read(s, MIB, crc);
        assertTrue(first >= MIB && first < MIB + 64 * 1024, first + " read");
        long max = pause(s, 1000);
        long consumed = s.consumed();
        long writtenAfterPause = written.get();
        // the pipe: its window and at most one socket read (the client's 32 KiB buffer)
        assertTrue(max <= s.window() + 32 * 1024, "buffered " + max);
        // the origin could not write everything: its writes block on the sockets' buffers
        assertTrue(writtenAfterPause < total, "the origin wrote all " + writtenAfterPause);
        assertTrue(writtenAfterPause <= consumed + s.window() + 16 * MIB,
                "written " + writtenAfterPause + " with " + consumed + " consumed");
        Thread.sleep(200);
        assertEquals(writtenAfterPause, written.get(), "the origin stays blocked while the reader pauses");
        // the rest flows when the reader reads again
        assertEquals(total - first, read(s, Long.MAX_VALUE, crc));
        assertNull(s.read().get(5, TimeUnit.SECONDS));
        assertEquals(crc(total), crc.getValue());
        assertFalse(broke.get());
        eventually("the connection back in the pool", () -> c.idleConnections() == 1);
        StreamingResponse again = c.sendStreaming("GET", "/big", Map.of(), (byte[]) null).get(10, TimeUnit.SECONDS);
        again.body().cancel(null);
        assertEquals(1, origin.accepted(), "reused");
    }

    @Test
    void slowReaderWithholdsTheH2StreamWindow() throws Exception {
        try (RawH2Server origin = new RawH2Server()) {
            HttpClient c = client(origin.url(), true);
            long total = 64 * MIB;
            var f = c.sendStreaming("GET", "/big", Map.of(), (byte[]) null);
            StreamTestSupport.H2Source src = new StreamTestSupport.H2Source(origin, total);
            assertEquals(Http2Connection.LOCAL_STREAM_WINDOW, src.initialStreamWindow);
            StreamingResponse r = f.get(10, TimeUnit.SECONDS);
            assertEquals("HTTP/2", r.version());
            BodyStream s = r.body();
            CRC32 crc = new CRC32();
            long first = read(s, MIB, crc);
            assertTrue(first >= MIB && first < MIB + 64 * 1024, first + " read");
            long max = pause(s, 1000);
            long consumed = s.consumed();
            long sent = src.sent.get();
            // the stream window is credited only as the reader takes: window + one credit step past it
            long bound = s.window() + Http2Connection.STREAM_CREDIT_STEP;
            assertTrue(max <= bound, "buffered " + max + ", bound " + bound);
            assertTrue(sent <= consumed + bound, "the origin sent " + sent + " with " + consumed + " consumed");
            assertTrue(sent < total);
            Thread.sleep(200);
            assertEquals(sent, src.sent.get(), "the origin stays held by the stream window");
            assertEquals(total - first, read(s, Long.MAX_VALUE, crc));
            assertNull(s.read().get(5, TimeUnit.SECONDS));
            assertEquals(crc(total), crc.getValue());
        }
    }

    @Test
    void readerCancelClosesTheHttp1ConnectionWhichIsNotReused() throws Exception {
        AtomicLong written = new AtomicLong();
        AtomicBoolean broke = new AtomicBoolean();
        RawServer origin = up.raw(StreamTestSupport.source(64 * MIB, written, broke));
        HttpClient c = client(origin.url(), false);
        StreamingResponse r = c.sendStreaming("GET", "/big", Map.of(), (byte[]) null).get(10, TimeUnit.SECONDS);
        assertTrue(read(r.body(), 256 * 1024, new CRC32()) >= 256 * 1024);
        r.body().cancel(null);
        eventually("the origin's write fails: the client closed", broke::get);
        eventually("no connection left", () -> c.openConnections() == 0);
        // a body not read at all and cancelled before the pipe filled: found by the idle watch or the next offer
        StreamingResponse r2 = c.sendStreaming("GET", "/big", Map.of(), (byte[]) null).get(10, TimeUnit.SECONDS);
        r2.body().cancel(null);
        eventually("closed again", () -> c.openConnections() == 0);
        assertEquals(2, origin.accepted(), "a new connection each time: a cancelled one is never reused");
        assertEquals(2, c.connectionsOpened());
    }

    @Test
    void readerCancelResetsTheH2StreamAndTheConnectionStays() throws Exception {
        try (RawH2Server origin = new RawH2Server()) {
            HttpClient c = client(origin.url(), true);
            var f = c.sendStreaming("GET", "/big", Map.of(), (byte[]) null);
            StreamTestSupport.H2Source src = new StreamTestSupport.H2Source(origin, 64 * MIB);
            StreamingResponse r = f.get(10, TimeUnit.SECONDS);
            assertTrue(read(r.body(), 300_000, new CRC32()) >= 300_000);
            r.body().cancel(null);
            eventually("RST_STREAM from the client", () -> src.reset != null);
            assertEquals(ErrorCode.CANCEL, src.reset.errorCode());
            src.awaitWriter();
            assertTrue(src.sent.get() < 64 * MIB);
            var again = c.get("/again");
            RawH2Server.Frame h = src.laterHeaders.poll(5, TimeUnit.SECONDS);
            assertNotNull(h, "the next request on the same connection");
            assertEquals(3, h.stream());
            src.peer.respond(3, "again");
            assertEquals("again", again.get(5, TimeUnit.SECONDS).text());
            assertEquals(1, origin.accepted());
            assertEquals(1, c.openConnections());
        }
    }

    @Test
    void streamedDownloadsInteroperateWithTheEngine() throws Exception {
        HttpEngine e = up.engine();
        for (boolean h2c : new boolean[] {false, true}) {
            HttpClient c = client(Upstreams.url(e), h2c);
            int n = 5 << 20;
            StreamingResponse r = c.sendStreaming("GET", "/big/" + n, Map.of(), (byte[]) null).get(10, TimeUnit.SECONDS);
            assertEquals(200, r.status());
            assertEquals(h2c ? "HTTP/2" : "HTTP/1.1", r.version());
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            for (byte[] chunk; (chunk = r.body().read().get(10, TimeUnit.SECONDS)) != null; ) {
                got.writeBytes(chunk);
            }
            byte[] want = new byte[n];
            for (int i = 0; i < n; i++) {
                want[i] = (byte) (i * 31);
            }
            assertArrayEquals(want, got.toByteArray());
            // both streamed: a request stream echoed into a response stream
            BodyStream up2 = new BodyStream(32 * 1024);
            new StreamTestSupport.Producer(up2, 2 * MIB, 8 * 1024, -1);
            StreamingResponse echo = c.sendStreaming("PUT", "/echo", Map.of(), up2, 16 * 1024).get(30, TimeUnit.SECONDS);
            assertEquals(16 * 1024, echo.body().window());
            ClientResponse whole = echo.readAll(4 * MIB).get(30, TimeUnit.SECONDS);
            assertArrayEquals(bytes(0, (int) (2 * MIB)), whole.body());
            // a bodyless answer ends at once
            StreamingResponse empty = c.sendStreaming("GET", "/empty", Map.of(), (byte[]) null).join();
            assertEquals(204, empty.status());
            assertNull(empty.body().read().get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void streamedBodyIgnoresTheResponseCapButNotTheIdleTimeout() throws Exception {
        // a 5 MiB body through a client capped at 1 MiB: the cap is for buffered bodies only
        HttpEngine e = up.engine();
        HttpClient capped = up.client(HttpClient.builder().baseUrl(Upstreams.url(e)).maxResponseBodyBytes(MIB));
        assertInstanceOf(ResponseTooLargeException.class,
                cause(assertThrows(CompletionException.class, () -> capped.get("/big/" + (5 << 20)).join())));
        StreamingResponse r = capped.sendStreaming("GET", "/big/" + (5 << 20), Map.of(), (byte[]) null).join();
        assertEquals(5 << 20, r.body().readAll(6 * MIB).get(10, TimeUnit.SECONDS).length);
        // an origin that sends the head and part of the body, then nothing
        RawServer stall = up.raw((s, n) -> {
            StreamTestSupport.head(s.getInputStream());
            RawServer.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
            try {
                Thread.sleep(5000);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        HttpClient c = up.client(HttpClient.builder().baseUrl(stall.url()).timeoutMs(400));
        StreamingResponse sr = c.sendStreaming("GET", "/", Map.of(), (byte[]) null).get(5, TimeUnit.SECONDS);
        long t0 = System.nanoTime();
        assertEquals("0123456789", new String(sr.body().read().get(5, TimeUnit.SECONDS)));
        ExecutionException te = assertThrows(ExecutionException.class, () -> sr.body().read().get(5, TimeUnit.SECONDS));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        RequestTimeoutException rte = assertInstanceOf(RequestTimeoutException.class, te.getCause());
        assertTrue(rte.getMessage().contains("no byte of the response body"), rte.getMessage());
        assertTrue(ms >= 300 && ms < 3000, ms + " ms");
        eventually("closed", () -> c.openConnections() == 0);
    }

    @Test
    void bothWaysOverTlsWithAlpnH2AndHttp1AndASlowReader() throws Exception {
        dev.siphon.http.tls.TestPki pki = dev.siphon.http.tls.TestPki.get();
        HttpEngine e = up.engine(ServerConfig.listen("127.0.0.1:0").withTls(new dev.siphon.http.config.TlsConfig(
                pki.file("server.pem"), pki.file("server.key"), null)), Upstreams.settings());
        int n = 16 << 20;
        for (boolean h2 : new boolean[] {true, false}) {
            HttpClient c = up.client(HttpClient.builder().baseUrl("https://127.0.0.1:" + e.port())
                    .verify(pki.file("ca.pem")).http2OverTls(h2).timeoutMs(30_000));
            StreamingResponse r = c.sendStreaming("GET", "/big/" + n, Map.of(), (byte[]) null).get(10, TimeUnit.SECONDS);
            assertEquals(h2 ? "HTTP/2" : "HTTP/1.1", r.version());
            BodyStream s = r.body();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            while (got.size() < MIB) {
                got.writeBytes(s.read().get(10, TimeUnit.SECONDS));
            }
            long max = pause(s, 500);
            long bound = s.window() + (h2 ? Http2Connection.STREAM_CREDIT_STEP : 32 * 1024);
            assertTrue(max <= bound, (h2 ? "h2" : "h1") + " buffered " + max + ", bound " + bound);
            for (byte[] chunk; (chunk = s.read().get(10, TimeUnit.SECONDS)) != null; ) {
                got.writeBytes(chunk);
            }
            byte[] body = got.toByteArray();
            assertEquals(n, body.length);
            for (int i = 0; i < n; i++) {
                if (body[i] != (byte) (i * 31)) {
                    throw new AssertionError("octet " + i + " differs");
                }
            }
            BodyStream upload = new BodyStream();
            new StreamTestSupport.Producer(upload, 3 * MIB, 20_000, -1);
            ClientResponse echo = c.sendStream("PUT", "/echo", Map.of(), upload).get(30, TimeUnit.SECONDS);
            assertArrayEquals(bytes(0, (int) (3 * MIB)), echo.body());
            assertEquals(1, c.connectionsOpened());
        }
    }

    @Test
    void aBodyCutByTheOriginFailsTheStreamAfterItsChunks() throws Exception {
        // HTTP/1.1: the connection ends 10 octets into a body of 1000
        RawServer cut = up.raw((s, n) -> {
            StreamTestSupport.head(s.getInputStream());
            RawServer.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789");
        });
        HttpClient c = client(cut.url(), false);
        StreamingResponse r = c.sendStreaming("GET", "/", Map.of(), (byte[]) null).get(5, TimeUnit.SECONDS);
        assertEquals("0123456789", new String(r.body().read().get(5, TimeUnit.SECONDS)));
        ExecutionException e = assertThrows(ExecutionException.class, () -> r.body().read().get(5, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionClosedException.class, e.getCause());
        // HTTP/2: the origin resets the stream after 10 octets; the connection stays
        try (RawH2Server origin = new RawH2Server()) {
            HttpClient h2 = client(origin.url(), true);
            var f = h2.sendStreaming("GET", "/", Map.of(), (byte[]) null);
            RawH2Server.Peer p = origin.accept();
            p.handshake();
            p.expect(HEADERS, 1);
            p.headers(1, false, ":status", "200");
            p.data(1, false, "0123456789".getBytes());
            p.rst(1, ErrorCode.INTERNAL_ERROR);
            StreamingResponse sr = f.get(5, TimeUnit.SECONDS);
            assertEquals("0123456789", new String(sr.body().read().get(5, TimeUnit.SECONDS)));
            e = assertThrows(ExecutionException.class, () -> sr.body().read().get(5, TimeUnit.SECONDS));
            ConnectionClosedException cce = assertInstanceOf(ConnectionClosedException.class, e.getCause());
            assertTrue(cce.getMessage().contains("INTERNAL_ERROR"), cce.getMessage());
            var again = h2.get("/again");
            p.expect(HEADERS, 3);
            p.respond(3, "again");
            assertEquals("again", again.get(5, TimeUnit.SECONDS).text());
        }
    }

    @Test
    void timeTheStreamSitsFullIsTheReadersNotTheOrigins() throws Exception {
        long total = 8 * MIB;
        RawServer origin = up.raw(StreamTestSupport.source(total, new AtomicLong(), new AtomicBoolean()));
        HttpClient c = up.client(HttpClient.builder().baseUrl(origin.url()).timeoutMs(300));
        StreamingResponse r = c.sendStreaming("GET", "/", Map.of(), (byte[]) null).get(5, TimeUnit.SECONDS);
        CRC32 crc = new CRC32();
        long first = read(r.body(), 1, crc);
        pause(r.body(), 1000); // more than three timeouts, the stream full all along
        assertEquals(total - first, read(r.body(), Long.MAX_VALUE, crc));
        assertEquals(crc(total), crc.getValue());
    }

    @Test
    void redirectsAreFollowedForAStreamedResponse() throws Exception {
        HttpEngine e = HttpEngine.builder().listen(ServerConfig.listen("127.0.0.1:0"))
                .settings(Upstreams.settings())
                .route("GET", "/r302", req -> Response.text(302, "moved, and a body to drop").header("location", "/there"))
                .route("GET", "/there", req -> Response.text(200, "there"))
                .start();
        up.closeLater(e);
        for (boolean h2c : new boolean[] {false, true}) {
            HttpClient c = client(Upstreams.url(e), h2c);
            StreamingResponse r = c.sendStreaming("GET", "/r302", Map.of(), (byte[]) null).get(10, TimeUnit.SECONDS);
            assertEquals(200, r.status());
            assertEquals("there", new String(r.body().readAll(100).get(5, TimeUnit.SECONDS)));
        }
    }
}
