package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * RFC 9112 §9.3.2: requests written back to back in one write are all answered, in request
 * order, on the same connection, whether handlers answer at once or later from other threads.
 */
class PipeliningTest {
    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        pool.awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Ten requests: GETs, a POST with a body in the middle, a HEAD, a 404; one write. */
    private static final String TEN_REQUESTS = ""
            + "GET /hello/r1 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "GET /hello/r2 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "GET /query?n=3 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nbody of r4!"
            + "HEAD /hello/r5 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "GET /hello/r6 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nr8\r\n0\r\n\r\n"
            + "GET /hello/r9 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "GET /hello/r10 HTTP/1.1\r\nHost: a\r\n\r\n";

    private static void assertTenResponses(RawConnection c) throws Exception {
        assertResponse(c.read(), 200, "hello r1");
        assertResponse(c.read(), 200, "hello r2");
        assertResponse(c.read(), 200, "n=3;");
        assertResponse(c.read(), 200, "body of r4!");
        RawResponse head = c.read(true);
        assertEquals(200, head.status(), head::toString);
        assertEquals("8", head.header("content-length"), "HEAD carries the GET length");
        assertResponse(c.read(), 200, "hello r6");
        assertResponse(c.read(), 404, "404 Not Found\n");
        assertResponse(c.read(), 200, "r8");
        assertResponse(c.read(), 200, "hello r9");
        assertResponse(c.read(), 200, "hello r10");
    }

    private static void assertResponse(RawResponse r, int status, String body) {
        assertEquals(status, r.status(), r::toString);
        assertEquals(body, r.text(), r::toString);
        assertNull(r.header("connection"), r::toString);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        HttpEngine e = fx.start();
        RawConnection c = fx.connect(e).timeout(2000); // a stalled pipeline fails fast
        c.send(TEN_REQUESTS);
        assertTenResponses(c);
        c.send("GET /hello/after HTTP/1.1\r\nHost: a\r\n\r\n");
        assertResponse(c.read(), 200, "hello after");
        assertEquals(1, e.counters().connectionsAccepted());
    }

    @Test
    void pipelinedAsyncRequestsAreAnsweredInOrderDespiteRandomDelays() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(), b -> b
                .routeAsync("GET", "/slow/{n}", (req, out) -> pool.execute(() -> {
                    try {
                        Thread.sleep(ThreadLocalRandom.current().nextInt(0, 40));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                    out.send(Response.text(200, "slow " + req.pathParam("n")));
                })));
        RawConnection c = fx.connect(e).timeout(2000); // a stalled pipeline fails fast
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            sb.append("GET /slow/").append(i).append(" HTTP/1.1\r\nHost: a\r\n\r\n");
        }
        for (int round = 0; round < 3; round++) {
            c.send(sb.toString());
            for (int i = 0; i < 10; i++) {
                assertResponse(c.read(), 200, "slow " + i);
            }
        }
    }

    @Test
    void pipelinedRequestsAfterConnectionCloseAreNotAnswered() throws Exception {
        HttpEngine e = fx.start();
        RawConnection c = fx.connect(e).timeout(2000); // a stalled pipeline fails fast
        c.send("GET /hello/a HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /hello/b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                + "GET /hello/c HTTP/1.1\r\nHost: a\r\n\r\n");
        assertResponse(c.read(), 200, "hello a");
        RawResponse last = c.read();
        assertEquals("hello b", last.text());
        assertEquals("close", last.header("connection"));
        c.assertClosedByServer();
    }

    @Test
    void malformedRequestInPipelineIsAnsweredAfterEarlierResponses() throws Exception {
        HttpEngine e = fx.start();
        RawConnection c = fx.connect(e).timeout(2000); // a stalled pipeline fails fast
        c.send("GET /hello/a HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /hello/b HTTP/1.1\r\nHost : a\r\n\r\n"
                + "GET /hello/c HTTP/1.1\r\nHost: a\r\n\r\n");
        assertResponse(c.read(), 200, "hello a");
        RawResponse bad = c.read();
        assertEquals(400, bad.status(), bad::toString);
        assertEquals("close", bad.header("connection"));
        c.assertClosedByServer();
    }
}
