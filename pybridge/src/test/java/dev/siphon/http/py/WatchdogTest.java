package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One worker context and a 1 s request timeout: Python that never gives the worker back —
 * a handler's first step, a task step after an await, a handler that took its cancellation and
 * goes on, a background task — is interrupted once a request passes its deadline; what was queued behind it meanwhile is answered 504 without
 * running; and the worker, its asyncio loop included, serves on.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchdogTest {
    static PythonServer server;
    static String base;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                    request_timeout_ms: 1000
                engine:
                  workers: 1
                """, "watchdog.yaml", System::getenv);
        server = PythonServer.start(config, Scripts.path("watchdog.py"));
        base = "http://127.0.0.1:" + server.port();
        // the first run of each path is slow while GraalPy interprets it cold: not within a test's timeout
        for (String path : List.of("/fast", "/asyncio", "/ran", "/record/warm-up", "/block/1")) {
            for (int i = 0; i < 5 && await(get(path)).statusCode() != 200; i++) {
                Thread.sleep(100);
            }
        }
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

    static HttpResponse<String> await(CompletableFuture<HttpResponse<String>> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    static String body(String path) throws Exception {
        HttpResponse<String> r = await(get(path));
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }

    @Test
    @Order(1)
    void spinningDefHandlerGets504AndTheWorkerServesOn() throws Exception {
        long interrupts = server.pool().interrupts();
        assertEquals(504, await(get("/spin")).statusCode());
        assertEquals("fast", body("/fast"));
        assertEquals(interrupts + 1, server.pool().interrupts());
        assertWorkerHoldsNothing();
    }

    @Test
    @Order(2)
    void spinningAsyncHandlersGet504AndTheWorkersAsyncioStaysUsable() throws Exception {
        assertEquals("ok", body("/asyncio"));
        long interrupts = server.pool().interrupts();
        assertEquals(504, await(get("/spin-async")).statusCode());
        assertEquals("ok", body("/asyncio"));
        assertEquals(504, await(get("/spin-after-await")).statusCode());
        assertEquals("ok", body("/asyncio"));
        Thread.sleep(300); // the interrupted handler's asyncio.timeout has come due by now
        assertEquals("ok", body("/asyncio"));
        assertEquals(504, await(get("/spin-when-cancelled")).statusCode());
        awaitInterrupts(interrupts + 3);
        assertEquals("ok", body("/asyncio"));
        assertEquals("fast", body("/fast"));
        assertEquals(interrupts + 3, server.pool().interrupts());
        assertWorkerHoldsNothing();
    }

    @Test
    @Order(3)
    void requestsQueuedBehindAStuckHandlerPastTheirDeadlineGet504WithoutRunning() throws Exception {
        String before = body("/ran");
        long interrupts = server.pool().interrupts();
        CompletableFuture<HttpResponse<String>> stuck = get("/block/3000");
        Thread.sleep(100); // the worker is inside time.sleep; these wait in its queue
        List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            queued.add(get("/record/queued" + i));
        }
        for (CompletableFuture<HttpResponse<String>> f : queued) {
            assertEquals(504, await(f).statusCode());
        }
        assertEquals(504, await(stuck).statusCode());
        awaitInterrupts(interrupts + 1);
        assertEquals("recorded", body("/record/after"));
        assertEquals(join(before, "after"), body("/ran"), "the queued requests never ran");
        assertWorkerHoldsNothing();
    }

    @Test
    @Order(4)
    void aBackgroundTaskThatNeverYieldsIsInterruptedOnceQueuedRequestsPassTheirDeadline() throws Exception {
        String before = body("/ran");
        long interrupts = server.pool().interrupts();
        assertEquals("spawned", body("/spawn-spin")); // answered; the task it started keeps the worker
        Thread.sleep(100);
        CompletableFuture<HttpResponse<String>> a = get("/record/behind1");
        CompletableFuture<HttpResponse<String>> b = get("/record/behind2");
        assertEquals(504, await(a).statusCode());
        assertEquals(504, await(b).statusCode());
        awaitInterrupts(interrupts + 1);
        assertEquals("recorded", body("/record/later"));
        assertEquals(join(before, "later"), body("/ran"), "the queued requests never ran");
        assertEquals(interrupts + 1, server.pool().interrupts());
        assertWorkerHoldsNothing();
    }

    /**
     * Every request answered, the idle worker holds none (a request whose handler an interrupt
     * cut off but which the worker still counted would keep its load up, and it would be passed over).
     */
    private static void assertWorkerHoldsNothing() throws InterruptedException {
        PythonWorker w = server.pool().worker(0);
        for (int i = 0; i < 100 && w.load(System.nanoTime()) != 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(0, w.load(System.nanoTime()), "requests queued or held by the idle worker");
    }

    /** Waits (10 s at most) until the worker was interrupted {@code n} times in all: it serves again after that. */
    private static void awaitInterrupts(long n) throws InterruptedException {
        for (int i = 0; i < 200 && server.pool().interrupts() < n; i++) {
            Thread.sleep(50);
        }
        assertEquals(n, server.pool().interrupts(), "interrupts so far");
    }

    private static String join(String before, String next) {
        return before.isEmpty() ? next : before + "," + next;
    }
}
