package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
import org.junit.jupiter.api.Test;

/**
 * Two worker contexts and a 2 s request timeout: a request goes to the worker with the fewest
 * requests queued or running, so a worker held by one blocking handler holds up no request the
 * other worker can serve.
 */
class LeastLoadedDispatchTest {
    static PythonServer server;
    static String base;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                    request_timeout_ms: 2000
                engine:
                  workers: 2
                """, "two.yaml", System::getenv);
        server = PythonServer.start(config, Scripts.path("two_workers.py"));
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

    static HttpResponse<String> await(CompletableFuture<HttpResponse<String>> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void requestsGoToTheWorkerNotHeldByABlockingHandler() throws Exception {
        CompletableFuture<HttpResponse<String>> blocker = get("/block/1500");
        Thread.sleep(200); // its worker is now inside time.sleep
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = await(get("/fast"));
            assertEquals(200, r.statusCode());
            assertEquals("fast", r.body());
            assertFalse(blocker.isDone(), "request " + i + " was answered after the blocking one: it waited behind it");
        }
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            burst.add(get("/fast"));
        }
        for (CompletableFuture<HttpResponse<String>> f : burst) {
            assertEquals("fast", await(f).body());
        }
        assertFalse(blocker.isDone(), "the concurrent requests were answered only after the blocking one");
        assertEquals("blocked", await(blocker).body());
    }

    @Test
    void twoWorkersStuckAtOnceAreEachInterruptedAndServeOn() throws Exception {
        long interrupts = server.pool().interrupts();
        CompletableFuture<HttpResponse<String>> a = get("/spin");
        CompletableFuture<HttpResponse<String>> b = get("/spin");
        assertEquals(504, await(a).statusCode());
        assertEquals(504, await(b).statusCode());
        for (int i = 0; i < 6; i++) {
            assertEquals("fast", await(get("/fast")).body());
        }
        assertEquals(interrupts + 2, server.pool().interrupts(), "one interrupt per stuck worker");
    }
}
