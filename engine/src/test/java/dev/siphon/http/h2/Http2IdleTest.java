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

/** An HTTP/2 connection with no stream open is closed after the idle timeout, with GOAWAY(NO_ERROR). */
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
}
