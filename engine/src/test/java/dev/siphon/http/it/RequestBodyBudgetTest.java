package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.LoopAllocation;
import dev.siphon.http.Responder;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.codec.BodyBudget;
import dev.siphon.http.internal.Counters.Limit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Request-body memory on HTTP/1.1 over real sockets: a declared Content-Length costs nothing
 * until the body arrives, the engine-wide {@code max_buffered_body_bytes} answers 503 past it, a
 * body for no route is read and dropped, and every way a request ends gives its reservation
 * back. Memory is read from the budget ({@link BodyBudget#reserved}) and from the loop thread's
 * allocation counter ({@link LoopAllocation}), never from the collector.
 */
@Timeout(60)
class RequestBodyBudgetTest {
    private static final int MiB = 1 << 20;

    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    private final List<Responder> parked = new CopyOnWriteArrayList<>();

    /** One platform loop (so its allocation can be read), the budget given, and a {@code POST /slow} that never answers. */
    private HttpEngine start(long budget, ServerConfig server) throws Exception {
        EngineSettings settings = EngineFixture.settings().withLoopThreads(LoopThreads.PLATFORM)
                .withMaxBufferedBodyBytes(budget);
        return fx.start(server, settings, b -> EngineFixture.standardRoutes(b)
                .routeAsync("POST", "/slow", (req, out) -> parked.add(out)));
    }

    private static void awaitReserved(HttpEngine e, long expected) throws InterruptedException {
        BodyBudget b = e.counters().bodyBudget();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (b.reserved() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, b.reserved(), "octets reserved in the body budget");
    }

    private static void awaitReservedAtLeast(HttpEngine e, long n) throws InterruptedException {
        BodyBudget b = e.counters().bodyBudget();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (b.reserved() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(b.reserved() >= n, "at least " + n + " octets reserved, found " + b.reserved());
    }

    private static String post(String path, long contentLength) {
        return "POST " + path + " HTTP/1.1\r\nHost: a\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    /**
     * Issue 12 item 2: each connection that declares a body at {@code max_body_bytes} and sends a
     * few bytes of it used to cost the whole declared length at once.
     */
    @Test
    void aLargeContentLengthWithFewBytesCostsOnlyWhatArrived() throws Exception {
        HttpEngine e = start(EngineSettings.defaultMaxBufferedBodyBytes(),
                EngineFixture.server().withMaxBodyBytes(64L * MiB));
        int connections = 20; // 1.25 GiB declared
        List<RawConnection> cs = new ArrayList<>();
        var before = LoopAllocation.mark();
        for (int i = 0; i < connections; i++) {
            RawConnection c = fx.connect(e);
            c.send(post("/echo", 64L * MiB) + "0123456789");
            cs.add(c);
        }
        awaitReserved(e, connections * 1024L); // the first small step each, not the declared length
        long allocated = LoopAllocation.since(before);
        assertTrue(allocated < 16L * MiB, "the loop allocated " + allocated + " bytes for "
                + connections + " declared bodies of 64 MiB with 10 bytes each");
        for (RawConnection c : cs) {
            c.close();
        }
        awaitReserved(e, 0);
    }

    @Test
    void aBodyForNoRouteIsReadAndDropped() throws Exception {
        HttpEngine e = start(EngineSettings.defaultMaxBufferedBodyBytes(), EngineFixture.server());
        RawConnection c = fx.connect(e);
        c.send("GET /hello/warm HTTP/1.1\r\nHost: a\r\n\r\n"); // the first request loads classes
        assertEquals(200, c.read().status());
        // once unmeasured, so that what the first 404 and 405 load and link (run alone, this test
        // would count that) is not taken for the bodies
        c.send(post("/nowhere", 1000));
        c.send(new byte[1000]);
        assertEquals(404, c.read().status());
        c.send("PUT /hello/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n");
        assertEquals(405, c.read().status());
        var before = LoopAllocation.mark();
        c.send(post("/nowhere", 800_000));
        c.send(new byte[800_000]);
        assertEquals(404, c.read().status());
        c.send("PUT /hello/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "c3500\r\n" + "x".repeat(800_000) + "\r\n0\r\n\r\n");
        RawResponse r = c.read();
        assertEquals(405, r.status());
        long allocated = LoopAllocation.since(before);
        assertTrue(allocated < 100_000, "the loop allocated " + allocated + " bytes for 1.6 MB of unrouted bodies");
        assertEquals(0, e.counters().bodyBudget().reserved());
        c.send("GET /hello/again HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(200, c.read().status(), "the connection goes on");
    }

    @Test
    void aBodyOverTheEngineBudgetGets503ThenCloseAndOthersAreServed() throws Exception {
        HttpEngine e = start(200_000, EngineFixture.server());
        RawConnection hog = fx.connect(e);
        hog.send(post("/echo", 300_000));
        hog.send(new byte[150_000]);
        awaitReservedAtLeast(e, 150_000);

        RawConnection over = fx.connect(e);
        over.send(post("/echo", 100_000));
        over.send(new byte[100_000]);
        RawResponse r = over.read();
        assertEquals(503, r.status(), r::toString);
        assertEquals("1", r.header("retry-after"));
        assertEquals("close", r.header("connection"), "the rest of the body is unread: the connection closes");
        over.assertClosedByServer();
        assertEquals(1, e.counters().count(Limit.BODY_BUDGET));

        RawConnection other = fx.connect(e);
        other.send("GET /hello/there HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(200, other.read().status(), "requests without a body are served");
        other.send(post("/echo", 20) + "x".repeat(20));
        assertEquals(20, other.read().body().length, "a small body fits in what is left");

        hog.close();
        awaitReserved(e, 0);
        other.send(post("/echo", 100_000));
        other.send(new byte[100_000]);
        assertEquals(100_000, other.read().body().length, "served once the budget is free");
        awaitReserved(e, 0);
    }

    /** Every way a request ends gives its body's reservation back: the counter returns to 0 after each. */
    @Test
    void theBudgetReturnsToZeroWhateverEndsTheRequest() throws Exception {
        HttpEngine e = start(EngineSettings.defaultMaxBufferedBodyBytes(),
                EngineFixture.server().withMaxBodyBytes(100_000));
        HttpEngine quick = start(EngineSettings.defaultMaxBufferedBodyBytes(),
                EngineFixture.server().withMaxBodyBytes(100_000).withRequestTimeoutMs(1000));
        RawConnection c = fx.connect(e);

        // answered, with Content-Length and chunked, pipelined
        c.send(post("/echo", 50_000) + "y".repeat(50_000)
                + "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n7530\r\n" + "z".repeat(30_000)
                + "\r\n0\r\n\r\n");
        assertEquals(50_000, c.read().body().length);
        assertEquals(30_000, c.read().body().length);
        awaitReserved(e, 0);

        // the client goes away mid-body
        RawConnection gone = fx.connect(e);
        gone.send(post("/echo", 90_000));
        gone.send(new byte[40_000]);
        awaitReservedAtLeast(e, 40_000);
        gone.close();
        awaitReserved(e, 0);

        // a chunked body that grows over max_body_bytes: 413
        RawConnection big = fx.connect(e);
        big.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        big.send("ea60\r\n" + "w".repeat(60_000) + "\r\n");
        big.send("ea60\r\n" + "w".repeat(60_000) + "\r\n");
        assertEquals(413, big.read().status());
        awaitReserved(e, 0);

        // a malformed chunk after part of the body: 400
        RawConnection bad = fx.connect(e);
        bad.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        bad.send("7530\r\n" + "v".repeat(30_000) + "\r\nzz\r\n");
        assertEquals(400, bad.read().status());
        awaitReserved(e, 0);

        // the body stops arriving: 408 after request_timeout_ms
        RawConnection slow = fx.connect(quick);
        slow.send(post("/echo", 90_000));
        slow.send(new byte[30_000]);
        assertEquals(408, slow.read().status());
        awaitReserved(quick, 0);

        // handed to a handler that never answers: held until the 504, then back
        RawConnection parkedOnce = fx.connect(quick);
        parkedOnce.send(post("/slow", 30_000));
        parkedOnce.send(new byte[30_000]);
        assertEquals(504, parkedOnce.read().status());
        awaitReserved(quick, 0);

        // the client closes with one body at a handler and one behind it in the pipeline: read as a
        // half-close, so both are answered (504 and 200), and the connection closes after them
        RawConnection pipelined = fx.connect(quick);
        pipelined.send(post("/slow", 30_000) + "u".repeat(30_000) + post("/echo", 20_000) + "t".repeat(20_000));
        awaitReservedAtLeast(quick, 50_000);
        pipelined.close();
        awaitReserved(quick, 0);

        // a client that half-closes mid-body
        RawConnection half = fx.connect(e);
        half.send(post("/echo", 90_000));
        half.send(new byte[30_000]);
        awaitReservedAtLeast(e, 30_000);
        half.shutdownOutput();
        awaitReserved(e, 0);
    }

    /**
     * A streaming route's request holds its window of the budget for its life, over HTTP/1.1 and
     * h2: uploads to a handler that does not read cannot hold more than the budget between them;
     * past it the next is answered 503, and what a finished one held comes back.
     */
    @Test
    void streamingUploadsHoldTheirWindowOfTheBudget() throws Exception {
        int window = 64 * 1024;
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings().withMaxBufferedBodyBytes(window + window / 2),
                b -> b.routeAsync(List.of("POST"), "/stream", new dev.siphon.http.StreamingRoute((req, out) -> parked.add(out),
                        dev.siphon.http.StreamingRoute.UNLIMITED, window)));
        RawConnection first = fx.connect(e).send(post("/stream", 10 * MiB));
        awaitReserved(e, window);
        RawConnection second = fx.connect(e).send(post("/stream", 10 * MiB));
        assertEquals(503, second.read().status(), "no room for a second window");
        assertEquals(1, e.counters().count(Limit.BODY_BUDGET));
        first.close();
        awaitReserved(e, 0);
        // h2 (prior knowledge): the same reservation, and a 503 past it
        java.nio.file.Path body = java.nio.file.Files.createTempFile("stream", ".bin");
        java.nio.file.Files.write(body, new byte[4 * MiB]);
        String url = "http://127.0.0.1:" + e.port() + "/stream";
        Process held = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "--max-time", "20", "-o", "/dev/null",
                "--data-binary", "@" + body, url).start();
        awaitReserved(e, window);
        Process refused = new ProcessBuilder("curl", "-sS", "--http2-prior-knowledge", "--max-time", "10", "-o", "/dev/null",
                "-w", "%{http_code}", "--data-binary", "@" + body, url).start();
        assertEquals("503", new String(refused.getInputStream().readAllBytes()).strip());
        held.destroy();
        held.waitFor();
        awaitReserved(e, 0);
        java.nio.file.Files.delete(body);
    }
}
