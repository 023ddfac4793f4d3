package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.LoopThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A smoke test in each loop-thread mode (platform, virtual) with one and two I/O loops: several
 * connections at once, each with keep-alive requests, a body, and an async answer.
 */
class LoopThreadModesTest {
    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    private final ExecutorService workers = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopWorkers() throws InterruptedException {
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0} threads, {1} loop(s)")
    @CsvSource({"PLATFORM, 1", "VIRTUAL, 1", "PLATFORM, 2", "VIRTUAL, 2"})
    void servesConnectionsInLoopThreadMode(LoopThreads mode, int ioLoops) throws Exception {
        EngineSettings s = EngineFixture.settings().withLoopThreads(mode).withIoLoops(ioLoops);
        HttpEngine e = fx.start(EngineFixture.server(), s, b -> EngineFixture.standardRoutes(b)
                .routeAsync("GET", "/async/{n}", (req, out) ->
                        workers.execute(() -> out.send(Response.text(200, "async " + req.pathParam("n"))))));
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int id = i;
            RawConnection c = fx.connect(e);
            clients.add(CompletableFuture.runAsync(() -> {
                try {
                    for (int k = 0; k < 5; k++) {
                        String tag = id + "-" + k;
                        assertEquals("hello " + tag,
                                c.send("GET /hello/" + tag + " HTTP/1.1\r\nHost: a\r\n\r\n").read().text());
                        assertEquals("async " + tag,
                                c.send("GET /async/" + tag + " HTTP/1.1\r\nHost: a\r\n\r\n").read().text());
                        assertEquals(tag, c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: "
                                + tag.length() + "\r\n\r\n" + tag).read().text());
                    }
                } catch (Exception ex) {
                    throw new AssertionError("client " + id, ex);
                }
            }));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        assertEquals(6, e.counters().connectionsAccepted());
        assertEquals(6 * 5 * 3, e.counters().requests());
    }
}
