package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.h1.MalformedRequests;
import dev.siphon.http.h1.MalformedRequests.Case;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed request, sent over a real socket, gets its documented status line with
 * {@code connection: close}, the server closes that connection, and a new connection opened
 * afterwards is served normally.
 */
class MalformedRequestOverSocketTest {
    private static final int MAX_HEADER_BYTES = 4096;
    private static final int MAX_HEADER_COUNT = 20;
    private static final String CHUNKED_POST = "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    static List<Case> cases() {
        List<Case> all = new ArrayList<>(MalformedRequests.all());
        all.add(new Case("bareLfInChunkSizeLine", CHUNKED_POST + "5\nhello\r\n0\r\n\r\n", 400));
        all.add(new Case("invalidChunkSize", CHUNKED_POST + "5g\r\nhello\r\n0\r\n\r\n", 400));
        all.add(new Case("missingCrlfAfterChunkData", CHUNKED_POST + "5\r\nhelloXY0\r\n\r\n", 400));
        String pad = "GET /hello/a HTTP/1.1\r\nHost: a\r\nX-Pad: ";
        all.add(new Case("headOverMaxHeaderBytes",
                pad + "p".repeat(MAX_HEADER_BYTES + 1 - pad.length() - 4) + "\r\n\r\n", 431));
        StringBuilder many = new StringBuilder("GET /hello/a HTTP/1.1\r\nHost: a\r\n");
        for (int i = 1; i <= MAX_HEADER_COUNT; i++) {
            many.append("X-F").append(i).append(": v\r\n");
        }
        all.add(new Case("moreFieldsThanMaxHeaderCount", many.append("\r\n").toString(), 431));
        return all;
    }

    private HttpEngine start() throws Exception {
        EngineSettings d = EngineFixture.settings();
        // headerTimeoutMs 1000: a head the parser wrongly waits on shows up as 408, not as a hang.
        EngineSettings s = new EngineSettings(1, d.loopThreads(), d.workers(), MAX_HEADER_BYTES, MAX_HEADER_COUNT,
                1000, d.idleTimeoutMs(), d.maxPipelined(), d.bufferSize(), d.shutdownGraceMs());
        return fx.start(EngineFixture.server(), s, EngineFixture::standardRoutes);
    }

    /**
     * RFC 9112 §2.2: a bare CR in a head that arrives in pieces is refused when it arrives, as in a
     * head sent whole, not after header_timeout_ms (found by Http1HeadParserFuzzTest).
     */
    @Test
    void bareCrInAHeadSentInPiecesIsRefusedAtOnce() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings().withHeaderTimeoutMs(60_000),
                EngineFixture::standardRoutes);
        RawConnection c = fx.connect(e).timeout(5_000);
        c.send("GET /hello/a HTTP/1.1\r\nHost: a\r\n");
        Thread.sleep(200); // parsed alone: the rest is only scanned for the head's end
        c.send("X-A: b\r\rX-B: c\r\n");
        RawResponse r = c.read();
        assertEquals(400, r.status(), r::toString);
        c.assertClosedByServer();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void malformedRequestGetsItsStatusAndTheServerKeepsServing(Case c) throws Exception {
        HttpEngine e = start();
        RawConnection bad = fx.connect(e);
        bad.send(c.request());
        RawResponse r = bad.read();
        assertEquals(c.status(), r.status(), () -> c.name() + ": " + r);
        assertEquals("close", r.header("connection"), r::toString);
        assertEquals(r.status() + " ", r.text().substring(0, 4), "the body names the status");
        bad.assertClosedByServer();

        RawConnection next = fx.connect(e);
        next.send("GET /hello/next HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse ok = next.read();
        assertEquals(200, ok.status(), ok::toString);
        assertEquals("hello next", ok.text());
    }
}
