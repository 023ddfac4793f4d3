package dev.siphon.http.client;

import static dev.siphon.http.client.Upstreams.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pool_size as the original's (reqwest's pool_max_idle_per_host): the idle connections kept per
 * origin, not a cap on those in use; max_connections is that cap.
 */
class PoolSizeTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();

    /**
     * GET /together/{n}: answers once n requests are in the handler at the same time (a barrier;
     * 503 when they do not all arrive within 5 s). GET /slow/{ms}: answers after ms. Both count
     * the requests in flight at once.
     */
    private HttpEngine origin(CountDownLatch together) throws Exception {
        HttpEngine e = HttpEngine.builder().listen(ServerConfig.listen("127.0.0.1:0")).settings(Upstreams.settings())
                .routeAsync("GET", "/together", (req, out) -> Thread.ofVirtual().start(() -> {
                    enter();
                    together.countDown();
                    boolean all;
                    try {
                        all = together.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException ex) {
                        all = false;
                    }
                    inFlight.decrementAndGet();
                    out.send(Response.text(all ? 200 : 503, all ? "together" : "alone"));
                }))
                .routeAsync("GET", "/slow/{ms}", (req, out) -> Thread.ofVirtual().start(() -> {
                    enter();
                    try {
                        Thread.sleep(Long.parseLong(req.pathParam("ms")));
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                    inFlight.decrementAndGet();
                    out.send(Response.text(200, "slow"));
                }))
                .start();
        up.closeLater(e);
        return e;
    }

    private void enter() {
        int n = inFlight.incrementAndGet();
        mostInFlight.accumulateAndGet(n, Math::max);
    }

    @Test
    void poolSizeKeepsThatManyIdleAndDoesNotCapConnectionsInUse() throws Exception {
        CountDownLatch together = new CountDownLatch(10);
        HttpEngine e = origin(together);
        HttpClient c = up.client(HttpClient.builder().baseUrl(Upstreams.url(e)).poolSize(2));
        List<CompletableFuture<ClientResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            fs.add(c.get("/together"));
        }
        for (CompletableFuture<ClientResponse> f : fs) {
            assertEquals("together", f.join().text()); // all ten were at the origin at once
        }
        assertEquals(10, mostInFlight.get());
        assertEquals(10, c.connectionsOpened());
        // freed, eight closed at once: two stay idle, at both ends
        eventually("two idle connections kept", () -> c.openConnections() == 2 && c.idleConnections() == 2);
        eventually("the origin sees two open", () -> e.counters().connectionsOpen() == 2);
        for (int i = 0; i < 5; i++) {
            assertEquals("slow", c.get("/slow/1").join().text());
        }
        assertEquals(10, c.connectionsOpened()); // the kept ones are reused
    }

    @Test
    void maxConnectionsCapsTheConnectionsInUseAndTheRestWait() throws Exception {
        HttpEngine e = origin(new CountDownLatch(0));
        HttpClient c = up.client(HttpClient.builder().baseUrl(Upstreams.url(e)).maxConnections(3));
        List<CompletableFuture<ClientResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            fs.add(c.get("/slow/100"));
        }
        for (CompletableFuture<ClientResponse> f : fs) {
            assertEquals("slow", f.join().text());
        }
        assertEquals(3, mostInFlight.get());
        assertEquals(3, e.counters().connectionsAccepted());
        assertEquals(3, c.connectionsOpened());
    }

    @Test
    void theDefaultsAreEightIdleAndAThousandTwentyFourInAll() {
        HttpClient c = up.client(HttpClient.builder());
        assertEquals(8, c.settings().poolSize());
        assertEquals(1024, c.settings().maxConnections());
        assertEquals("direct", c.settings().proxies().toString()); // a Java client reads no environment unless told
    }
}
