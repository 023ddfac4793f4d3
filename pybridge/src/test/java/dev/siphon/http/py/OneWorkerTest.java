package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One worker context, a 1.5 s request timeout and a queue of 2: what one worker does while a
 * handler awaits, times out, spins, or blocks.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OneWorkerTest {
    static PythonServer server;
    static String base;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                    request_timeout_ms: 1500
                engine:
                  workers: 1
                """, "one.yaml", System::getenv);
        server = PythonServer.start(config, Scripts.path("one_worker.py"), 2, b -> { });
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static CompletableFuture<HttpResponse<String>> get(String path) {
        return CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(1)
    void awaitingHandlerDoesNotBlockItsWorker() throws Exception {
        List<String> finished = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<HttpResponse<String>> slow = get("/sleep/1000").whenComplete((r, e) -> finished.add("slow"));
        Thread.sleep(200);
        CompletableFuture<HttpResponse<String>> fast = get("/fast").whenComplete((r, e) -> finished.add("fast"));
        assertEquals("fast", fast.get().body());
        assertEquals("slept 1000", slow.get().body());
        assertEquals(List.of("fast", "slow"), finished, "the fast request is answered while the slow one awaits");
    }

    @Test
    @Order(2)
    void requestTimeoutAnswers504AndCancelsTheHandlerAtItsAwait() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = get("/sleep/8000").get();
        assertEquals(504, r.statusCode());
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 6000, "answered at the timeout, not after the sleep");
        String seen = "";
        for (int i = 0; i < 40 && !seen.equals("8000"); i++) {
            seen = get("/cancelled").get().body();
            Thread.sleep(50);
        }
        assertEquals("8000", seen, "the handler saw CancelledError at its await");
        assertEquals("fast", get("/fast").get().body());
    }

    @Test
    @Order(3)
    void cpuBoundHandlerIsInterruptedAndTheWorkerServesOn() throws Exception {
        long interrupts = server.pool().interrupts();
        assertEquals(504, get("/spin").get().statusCode());
        HttpResponse<String> next = get("/fast").get();
        assertEquals(200, next.statusCode());
        assertEquals("fast", next.body());
        assertEquals(interrupts + 1, server.pool().interrupts());
    }

    @Test
    @Order(4)
    void fullQueuesAnswer503WithRetryAfter() throws Exception {
        long rejected = server.pool().rejected();
        CompletableFuture<HttpResponse<String>> blocker = get("/block/1000");
        Thread.sleep(300); // the worker is now inside time.sleep: nothing leaves its queue
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            burst.add(get("/fast"));
        }
        int ok = 0;
        int overloaded = 0;
        for (CompletableFuture<HttpResponse<String>> f : burst) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() == 503) {
                overloaded++;
                assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
            } else {
                assertEquals(200, r.statusCode());
                ok++;
            }
        }
        assertEquals("blocked", blocker.get().body());
        assertTrue(ok >= 1 && ok <= 2, ok + " served: the queue holds 2");
        assertEquals(8 - ok, overloaded);
        assertEquals(rejected + overloaded, server.pool().rejected());
        assertEquals("fast", get("/fast").get().body(), "served again once the queue drains");
    }
}
