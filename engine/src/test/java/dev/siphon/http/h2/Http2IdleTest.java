package dev.siphon.http.h2;

import static org.junit.jupiter.api.Assertions.*;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.internal.Counters.Limit;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An HTTP/2 connection with no stream open is closed after the idle timeout, with GOAWAY(NO_ERROR);
 * one whose responses wait that long for a flow-control window the peer never opens is closed
 * with GOAWAY(ENHANCE_YOUR_CALM).
 */
@Timeout(20)
class Http2IdleTest {

    @Test
    void anIdleConnectionGetsGoAwayAndIsClosed() throws Exception {
        try (HttpEngine engine = HttpEngine.builder()
                .settings(EngineSettings.defaults().withIdleTimeoutMs(300))
                .listen(ServerConfig.listen("127.0.0.1:0"))
                .route("GET", "/hello", req -> Response.text(200, "hello"))
                .start();
             RawH2Client c = RawH2Client.connect(engine.port())) {
            c.headers(1, true, RawH2Client.get("/hello"));
            assertEquals("hello", new String(c.response(1).body(), StandardCharsets.UTF_8));
            long start = System.nanoTime();
            assertEquals(ErrorCode.NO_ERROR.code(), c.awaitGoAway());
            assertTrue(c.awaitEof(), "closed after the GOAWAY");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 3000, "closed " + ms + " ms after the last response, idle timeout 300 ms");
            assertEquals(1, engine.counters().count(Limit.IDLE_TIMEOUT));
        }
    }

    static HttpEngine bigBodies(int idleMs) throws Exception {
        return HttpEngine.builder()
                .settings(EngineSettings.defaults().withIdleTimeoutMs(idleMs))
                .listen(ServerConfig.listen("127.0.0.1:0"))
                .route("GET", "/big", req -> Response.of(200, new byte[4096]))
                .start();
    }

    /** Issue 12 item 3: SETTINGS_INITIAL_WINDOW_SIZE 0 and 100 streams used to hold them and their bodies forever. */
    @Test
    void responsesThatNeverGetAWindowAreCutOffAfterTheIdleTimeout() throws Exception {
        // 1 s: time enough to send the 100 HEADERS on a loaded machine before the server may cut off
        try (HttpEngine engine = bigBodies(1000); RawH2Client c = new RawH2Client(engine.port())) {
            c.raw(FrameType.PREFACE);
            c.settings(0x4, 0); // SETTINGS_INITIAL_WINDOW_SIZE: no DATA on any stream until a WINDOW_UPDATE
            c.frame(FrameType.SETTINGS, FrameType.FLAG_ACK, 0, new byte[0]);
            for (int i = 0; i < 100; i++) {
                c.headers(1 + 2 * i, true, RawH2Client.get("/big"));
            }
            long start = System.nanoTime();
            assertEquals(ErrorCode.ENHANCE_YOUR_CALM.code(), c.awaitGoAway());
            assertTrue(c.awaitEof(), "closed after the GOAWAY");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 5000, "closed after " + ms + " ms, idle timeout 1000 ms");
            assertEquals(1, engine.counters().count(Limit.H2_SEND_STALL));
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (engine.buffersOutstanding() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, engine.buffersOutstanding(), "the bodies and buffers were released");
        }
    }

    @Test
    void aWindowOpenedWithinTheIdleTimeoutLetsTheResponseThrough() throws Exception {
        try (HttpEngine engine = bigBodies(1000); RawH2Client c = new RawH2Client(engine.port())) {
            c.raw(FrameType.PREFACE);
            c.settings(0x4, 0);
            c.frame(FrameType.SETTINGS, FrameType.FLAG_ACK, 0, new byte[0]);
            c.headers(1, true, RawH2Client.get("/big"));
            Thread.sleep(300);
            c.windowUpdate(1, 1 << 20);
            assertEquals(4096, c.response(1).body().length);
            assertEquals(0, engine.counters().count(Limit.H2_SEND_STALL));
        }
    }

    /**
     * Once the client has closed its side, no WINDOW_UPDATE can come: responses waiting for window
     * will never be sent, and the connection goes at once, not after the idle timeout. (The soak
     * test's zero-window clients left connections open for up to idle_timeout_ms after they left.)
     */
    @Test
    void responsesWaitingForWindowGoAtOnceWhenTheClientClosesItsSide() throws Exception {
        try (HttpEngine engine = bigBodies(10_000); RawH2Client c = new RawH2Client(engine.port())) {
            c.raw(FrameType.PREFACE);
            c.settings(0x4, 0);
            c.frame(FrameType.SETTINGS, FrameType.FLAG_ACK, 0, new byte[0]);
            for (int i = 0; i < 10; i++) {
                c.headers(1 + 2 * i, true, RawH2Client.get("/big"));
            }
            for (int i = 0; i < 10; i++) {
                assertNotNull(c.await(FrameType.HEADERS, 1 + 2 * i)); // each response is written up to its window: HEADERS only
            }
            long start = System.nanoTime();
            c.socket.shutdownOutput();
            assertTrue(c.awaitEof(), "the server closed the connection");
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms < 2000, "closed " + ms + " ms after the client's FIN, idle timeout 10 s");
            assertEquals(1, engine.counters().count(Limit.H2_SEND_STALL));
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (engine.buffersOutstanding() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(0, engine.buffersOutstanding(), "the bodies and buffers were released");
        }
    }
}
