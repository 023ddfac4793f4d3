package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Responder;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.internal.Counters.Limit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The configured limits over real sockets: {@code max_body_bytes} (413), the header timeout
 * (408), the idle timeout (close), {@code request_timeout_ms} (504 and cancellation), and the
 * header-size limit relative to the read buffer. Timeouts are 300 ms so the suite stays fast.
 */
class LimitsAndTimeoutsTest {
    private static final int SHORT_MS = 300;
    private static final String CHUNKED_POST = "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    private HttpEngine startWithBodyCap(long cap) throws Exception {
        return fx.start(EngineFixture.server().withMaxBodyBytes(cap), EngineFixture.settings(),
                EngineFixture::standardRoutes);
    }

    private static void assertClosingError(RawResponse r, int status) {
        assertEquals(status, r.status(), r::toString);
        assertEquals("close", r.header("connection"), r::toString);
    }

    @Test
    void contentLengthOverMaxBodyBytesGets413BeforeTheBodyIsSent() throws Exception {
        HttpEngine e = startWithBodyCap(1024);
        RawConnection c = fx.connect(e);
        c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n"); // the body is never sent
        assertClosingError(c.read(), 413);
        c.assertClosedByServer();
        assertEquals(1, e.counters().count(Limit.BODY_BYTES));
    }

    @Test
    void contentLengthOverMaxBodyBytesWithExpectGets413InsteadOf100() throws Exception {
        HttpEngine e = startWithBodyCap(1024);
        RawConnection c = fx.connect(e);
        c.send("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
        assertClosingError(c.read(), 413);
        c.assertClosedByServer();
    }

    @Test
    void bodyOfExactlyMaxBodyBytesIsAccepted() throws Exception {
        HttpEngine e = startWithBodyCap(1024);
        RawConnection c = fx.connect(e);
        c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1024\r\n\r\n" + "b".repeat(1024));
        RawResponse r = c.read();
        assertEquals(200, r.status(), r::toString);
        assertEquals("b".repeat(1024), r.text());
    }

    @Test
    void chunkOverMaxBodyBytesGets413BeforeItsData() throws Exception {
        HttpEngine e = startWithBodyCap(1024);
        RawConnection c = fx.connect(e);
        c.send(CHUNKED_POST + "401\r\n"); // one chunk of 1025 bytes announced, none sent
        assertClosingError(c.read(), 413);
        c.assertClosedByServer();
    }

    @Test
    void chunksTogetherOverMaxBodyBytesGet413() throws Exception {
        HttpEngine e = startWithBodyCap(1024);
        RawConnection c = fx.connect(e);
        c.send(CHUNKED_POST + "300\r\n" + "x".repeat(0x300) + "\r\n" + "300\r\n");
        assertClosingError(c.read(), 413);
        c.assertClosedByServer();
    }

    @Test
    void stalledBodyGets408AfterRequestTimeoutAndIsClosed() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server().withRequestTimeoutMs(SHORT_MS), EngineFixture.settings(),
                EngineFixture::standardRoutes);
        RawConnection c = fx.connect(e).timeout(3000);
        c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhalf"); // 6 bytes never come
        assertClosingError(c.read(), 408);
        c.assertClosedByServer();
        assertEquals(1, e.counters().count(Limit.BODY_TIMEOUT));
    }

    @Test
    void stalledHeadGets408AfterHeaderTimeoutAndIsClosed() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings().withHeaderTimeoutMs(SHORT_MS),
                EngineFixture::standardRoutes);
        RawConnection c = fx.connect(e).timeout(3000);
        long t0 = System.nanoTime();
        c.send("GET /hello/x HTTP/1.1\r\nHo");
        RawResponse r = c.read();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertClosingError(r, 408);
        assertTrue(ms >= SHORT_MS - 50, "408 came after " + ms + " ms, before the header timeout");
        c.assertClosedByServer();
        assertEquals(1, e.counters().count(Limit.HEADER_TIMEOUT));
    }

    @Test
    void tricklingHeadIsCutOffByHeaderTimeout() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings().withHeaderTimeoutMs(SHORT_MS),
                EngineFixture::standardRoutes);
        RawConnection c = fx.connect(e).timeout(3000);
        String head = "GET /hello/x HTTP/1.1\r\nHost: a\r\nX-Slow: " + "s".repeat(100);
        long t0 = System.nanoTime();
        int sent = 0;
        // A byte every 50 ms keeps the connection active but the head never completes (slowloris).
        for (; sent < head.length() && System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(3 * SHORT_MS); sent++) {
            try {
                c.send(head.substring(sent, sent + 1));
            } catch (java.io.IOException closed) {
                break; // the server already answered and closed
            }
            Thread.sleep(50);
        }
        assertClosingError(c.read(), 408);
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterIdleTimeout() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings().withIdleTimeoutMs(SHORT_MS),
                EngineFixture::standardRoutes);
        RawConnection c = fx.connect(e).timeout(3000);
        c.send("GET /hello/x HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse r = c.read();
        assertEquals(200, r.status());
        long t0 = System.nanoTime();
        c.assertClosedByServer(); // silently: no bytes (not even a 408) on an idle connection
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= SHORT_MS - 100, "closed after " + ms + " ms, before the idle timeout");
        assertEquals(1, e.counters().count(Limit.IDLE_TIMEOUT));
    }

    @Test
    void connectionThatNeverSendsIsClosedAfterIdleTimeout() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings().withIdleTimeoutMs(SHORT_MS),
                EngineFixture::standardRoutes);
        RawConnection c = fx.connect(e).timeout(3000);
        c.assertClosedByServer();
    }

    @Test
    void handlerThatNeverAnswersGets504AndIsCancelled() throws Exception {
        AtomicReference<Responder> held = new AtomicReference<>();
        CountDownLatch cancelled = new CountDownLatch(1);
        HttpEngine e = fx.start(EngineFixture.server().withRequestTimeoutMs(SHORT_MS), EngineFixture.settings(),
                b -> EngineFixture.standardRoutes(b).routeAsync("GET", "/never", (req, out) -> {
                    out.onCancel(cancelled::countDown);
                    held.set(out);
                }));
        RawConnection c = fx.connect(e).timeout(3000);
        long t0 = System.nanoTime();
        c.send("GET /never HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse r = c.read();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(504, r.status(), r::toString);
        assertEquals("504 Gateway Timeout\n", r.text());
        assertTrue(ms >= SHORT_MS - 50, "504 after " + ms + " ms, before request_timeout_ms");
        assertTrue(cancelled.await(2, TimeUnit.SECONDS), "onCancel action ran");
        assertTrue(held.get().isCancelled(), "Responder.isCancelled()");
        assertEquals(1, e.counters().count(Limit.REQUEST_TIMEOUT));

        // A late answer is dropped; the connection goes on with the next request.
        held.get().send(Response.text(200, "late"));
        c.send("GET /hello/after HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse next = c.read();
        assertEquals(200, next.status(), next::toString);
        assertEquals("hello after", next.text());
    }

    @Test
    void onCancelRegisteredAfterTimeoutRunsAtOnce() throws Exception {
        AtomicReference<Responder> held = new AtomicReference<>();
        HttpEngine e = fx.start(EngineFixture.server().withRequestTimeoutMs(SHORT_MS), EngineFixture.settings(),
                b -> b.routeAsync("GET", "/never", (req, out) -> held.set(out)));
        RawConnection c = fx.connect(e).timeout(3000);
        c.send("GET /never HTTP/1.1\r\nHost: a\r\n\r\n");
        assertEquals(504, c.read().status());
        CountDownLatch ran = new CountDownLatch(1);
        held.get().onCancel(ran::countDown); // from the test thread, after the fact
        assertTrue(ran.await(2, TimeUnit.SECONDS));
        assertTrue(held.get().isCancelled());
    }

    @Test
    void halfClosedClientStillGetsItsPendingResponseThenTheServerCloses() throws Exception {
        AtomicReference<Responder> held = new AtomicReference<>();
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(),
                b -> b.routeAsync("GET", "/later", (req, out) -> held.set(out)));
        RawConnection c = fx.connect(e);
        c.send("GET /later HTTP/1.1\r\nHost: a\r\n\r\n");
        c.shutdownOutput(); // RFC 9112 §9.6: the client is done sending, not done reading
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (held.get() == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(100); // let the server see the EOF before the answer
        held.get().send(Response.text(200, "answered"));
        RawResponse r = c.read();
        assertEquals(200, r.status(), r::toString);
        assertEquals("answered", r.text());
        c.assertClosedByServer();
    }

    @Test
    void headLargerThanReadBufferButWithinMaxHeaderBytesIsServed() throws Exception {
        EngineSettings d = EngineFixture.settings();
        int bufferSize = 8192;
        // max_header_bytes (16 KiB) above the read buffer size (8 KiB): a legal 12 KB head must be
        // served, or the combination refused when the settings are made or the engine starts; never
        // left to spin the loop until the header timeout.
        HttpEngine e;
        try {
            EngineSettings s = new EngineSettings(1, d.loopThreads(), d.workers(), 16384, d.maxHeaderCount(), 1000,
                    d.idleTimeoutMs(), d.maxPipelined(), bufferSize, d.shutdownGraceMs());
            e = fx.start(ServerConfig.listen("127.0.0.1:0"), s, EngineFixture::standardRoutes);
        } catch (IllegalArgumentException | java.io.IOException refused) {
            assertTrue(refused.getMessage().toLowerCase(java.util.Locale.ROOT).contains("header"),
                    "a refusal names the header limit: " + refused.getMessage());
            return;
        }
        RawConnection c = fx.connect(e).timeout(3000);
        c.send("GET /header/x-big HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(12_000) + "\r\n\r\n");
        RawResponse r = c.read();
        assertEquals(200, r.status(), r::toString);
        assertEquals(12_000, r.body().length);
    }
}
