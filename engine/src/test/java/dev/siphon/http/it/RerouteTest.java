package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.router.RouteException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link HttpEngine#reroute}: the reloadable routes replaced at run time, the host's kept, a bad set refused. */
class RerouteTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    private static HttpEngine.Routes version(HttpEngine.Routes r, String v) {
        return r.routeAsync("GET", "/app/{x}", (req, out) -> out.send(Response.text(200, v + " " + req.pathParam("x"))));
    }

    private static HttpResponse<String> get(HttpClient c, HttpEngine e, String path) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + path)).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rerouteReplacesTheReloadableRoutesAndKeepsTheHostsOnes() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings().withIoLoops(2), b -> b
                .reloadable(r -> version(r, "v1"))
                .route("GET", "/host", req -> Response.text(200, "host")));
        HttpClient c = fx.track(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
        assertEquals("v1 a", get(c, e, "/app/a").body());

        e.reroute(r -> {
            version(r, "v2");
            r.routeAsync("GET", "/new", (req, out) -> out.send(Response.text(200, "new")));
        });
        assertEquals("v2 a", get(c, e, "/app/a").body());
        assertEquals("new", get(c, e, "/new").body());
        assertEquals("host", get(c, e, "/host").body(), "the host's route survives a reroute");

        e.reroute(r -> version(r, "v3"));
        assertEquals(404, get(c, e, "/new").statusCode(), "a route the new set lacks is gone");
        assertEquals("host", get(c, e, "/host").body());
    }

    @Test
    void aMalformedOrConflictingSetIsRefusedAndTheOldRoutesStay() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings(), b -> b
                .reloadable(r -> version(r, "v1"))
                .route("GET", "/host", req -> Response.text(200, "host")));
        HttpClient c = fx.track(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
        assertThrows(RouteException.class, () -> e.reroute(r -> r.routeAsync("GET", "/bad/{", (req, out) -> { })));
        RouteException conflict = assertThrows(RouteException.class,
                () -> e.reroute(r -> r.routeAsync("GET", "/host", (req, out) -> { })));
        assertTrue(conflict.getMessage().contains("/host"), conflict.getMessage());
        assertEquals("v1 a", get(c, e, "/app/a").body());
        assertEquals("host", get(c, e, "/host").body());
    }

    /** Clients sending all along see only 200s: each request is routed by one whole router, old or new. */
    @Test
    void requestsDuringReroutesAreAllAnswered() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings().withIoLoops(2),
                b -> b.reloadable(r -> version(r, "v0")));
        HttpClient c = fx.track(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build());
        AtomicBoolean run = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
        Thread[] clients = new Thread[4];
        for (int t = 0; t < clients.length; t++) {
            clients[t] = Thread.ofPlatform().start(() -> {
                while (run.get()) {
                    try {
                        HttpResponse<String> r = get(c, e, "/app/z");
                        if (r.statusCode() != 200 || !r.body().matches("v\\d+ z")) {
                            bad.add(r.statusCode() + " " + r.body());
                        }
                    } catch (Exception ex) {
                        bad.add(ex.toString());
                    }
                }
            });
        }
        for (int i = 1; i <= 200; i++) {
            String v = "v" + i;
            e.reroute(r -> version(r, v));
            Thread.sleep(2);
        }
        run.set(false);
        for (Thread t : clients) {
            t.join(20_000);
        }
        assertEquals(0, bad.size(), String.valueOf(bad));
        assertEquals("v200 z", get(c, e, "/app/z").body());
        assertTrue(e.syncLoops(1000), "every loop answers");
    }
}
