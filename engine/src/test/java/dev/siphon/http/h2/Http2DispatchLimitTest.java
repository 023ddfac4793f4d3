package dev.siphon.http.h2;

import static org.junit.jupiter.api.Assertions.*;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.Http2Settings;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.internal.Counters.Limit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code engine.http2.max_dispatched_streams}: a connection has at most that many requests with
 * handlers at once; the rest of its complete requests wait in the connection, in arrival order,
 * and are all answered in the end. Found by the soak test: 40 zero-window connections of 100
 * streams each filled the Python worker's queue, and other clients' requests met it full (503).
 */
@Timeout(30)
class Http2DispatchLimitTest {

    /** Per connection (the client's port), the requests its handler holds now, and the most it ever held. */
    private final Map<Integer, AtomicInteger> inHandler = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> mostInHandler = new ConcurrentHashMap<>();

    @Test
    void aConnectionOfAHundredStreamsHasAtMostMaxDispatchedStreamsWithTheHandlerAndAllAreAnswered() throws Exception {
        ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
        int limit = Http2Settings.DEFAULT_MAX_DISPATCHED_STREAMS;
        try (HttpEngine engine = HttpEngine.builder()
                .listen(ServerConfig.listen("127.0.0.1:0"))
                .routeAsync("GET", "/slow", (req, out) -> {
                    int port = req.remoteAddress().getPort();
                    int now = inHandler.computeIfAbsent(port, p -> new AtomicInteger()).incrementAndGet();
                    mostInHandler.computeIfAbsent(port, p -> new AtomicInteger()).accumulateAndGet(now, Math::max);
                    later.schedule(() -> {
                        inHandler.get(port).decrementAndGet(); // before the answer, which frees the slot
                        out.send(Response.text(200, "ok"));
                    }, 2, TimeUnit.MILLISECONDS);
                })
                .start()) {
            List<RawH2Client> clients = new ArrayList<>();
            try {
                for (int c = 0; c < 10; c++) {
                    RawH2Client client = RawH2Client.connect(engine.port());
                    clients.add(client);
                    for (int i = 0; i < 100; i++) {
                        client.headers(1 + 2 * i, true, RawH2Client.get("/slow"));
                    }
                }
                for (RawH2Client client : clients) {
                    Map<Integer, Integer> statuses = client.statuses(100);
                    assertEquals(100, statuses.size(), "every stream answered; saw " + client.describe());
                    statuses.forEach((id, status) -> assertEquals(200, status, "stream " + id));
                }
            } finally {
                for (RawH2Client client : clients) {
                    client.close();
                }
                later.shutdownNow();
            }
            assertEquals(10, mostInHandler.size());
            mostInHandler.forEach((port, most) -> assertTrue(most.get() <= limit,
                    "connection from port " + port + " had " + most + " requests with the handler at once, limit " + limit));
            assertTrue(engine.counters().count(Limit.H2_DISPATCHED_STREAMS) > 0, "held requests are counted");
        }
    }

    @Test
    void aHeldStreamResetBeforeItsTurnNeverReachesAHandlerAndTheNextTakesItsPlace() throws Exception {
        Http2TestServer s = new Http2TestServer(1 << 20, Http2Settings.defaults().withMaxDispatchedStreams(2));
        try (HttpEngine engine = s.engine; RawH2Client c = RawH2Client.connect(s.port())) {
            for (int id = 1; id <= 7; id += 2) {
                c.headers(id, true, RawH2Client.get("/slow?n=" + id));
            }
            awaitCalls(s, 2);
            Thread.sleep(100);
            assertEquals(2, s.slowCalls.get(), "two with the handler, two held");
            c.rst(5, ErrorCode.CANCEL.code());
            Thread.sleep(100);
            s.parked.get(0).send(Response.text(200, "first"));
            awaitCalls(s, 3);
            assertEquals("n=7", s.parkedRequests.get(2).rawQuery(), "stream 5 was reset while held: 7 is next");
            s.parked.get(1).send(Response.text(200, "second"));
            s.parked.get(2).send(Response.text(200, "third"));
            Map<Integer, Integer> statuses = c.statuses(3); // 5 was reset by us: no answer
            assertEquals(Map.of(1, 200, 3, 200, 7, 200), Map.of(1, statuses.get(1), 3, statuses.get(3), 7, statuses.get(7)));
            Thread.sleep(100);
            assertEquals(3, s.slowCalls.get(), "the reset stream's handler never ran");
        }
    }

    @Test
    void aHeldStreamsRequestTimeoutRunsFromItsHeaders() throws Exception {
        Http2TestServer s = new Http2TestServer(EngineSettings.defaults().withHttp2(
                Http2Settings.defaults().withMaxDispatchedStreams(1)),
                ServerConfig.listen("127.0.0.1:0").withRequestTimeoutMs(500));
        try (HttpEngine engine = s.engine; RawH2Client c = RawH2Client.connect(s.port())) {
            long start = System.nanoTime();
            c.headers(1, true, RawH2Client.get("/slow"));
            c.headers(3, true, RawH2Client.get("/slow"));
            Map<Integer, Integer> statuses = c.statuses(2);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(504, statuses.get(1));
            assertEquals(504, statuses.get(3));
            assertTrue(ms < 1_000, "both answered " + ms + " ms after their HEADERS, request timeout 500 ms");
            assertEquals(1, s.slowCalls.get(), "the held request timed out unseen, without starting a handler");
        }
    }

    private static void awaitCalls(Http2TestServer s, int n) throws InterruptedException {
        for (int i = 0; i < 500 && s.slowCalls.get() < n; i++) {
            Thread.sleep(10);
        }
        assertEquals(n, s.slowCalls.get());
    }
}
