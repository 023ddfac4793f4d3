package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine driven by {@link java.net.http.HttpClient} with HTTP/1.1 forced. */
class JdkHttpClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    private HttpClient client() {
        HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
        return fx.track(c);
    }

    private static HttpRequest get(HttpEngine e, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + path)).timeout(TIMEOUT).build();
    }

    @Test
    void manySequentialRequestsShareOneKeepAliveConnection() throws Exception {
        HttpEngine e = fx.start();
        HttpClient c = client();
        for (int i = 0; i < 200; i++) {
            HttpResponse<String> r = c.send(get(e, "/hello/n" + i), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("hello n" + i, r.body());
            assertEquals(HttpClient.Version.HTTP_1_1, r.version());
        }
        assertEquals(1, e.counters().connectionsAccepted(), "every request reused the first connection");
        assertEquals(200, e.counters().requests());
    }

    @Test
    void concurrentRequestsAllAnsweredCorrectly() throws Exception {
        HttpEngine e = fx.start(EngineFixture.server(), EngineFixture.settings().withIoLoops(2),
                EngineFixture::standardRoutes);
        HttpClient c = client();
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            futures.add(c.sendAsync(get(e, "/hello/c" + i), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < futures.size(); i++) {
            HttpResponse<String> r = futures.get(i).get(15, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertEquals("hello c" + i, r.body());
        }
        assertTrue(e.counters().connectionsAccepted() > 1, "the client opened parallel connections");
        assertEquals(64, e.counters().requests());
    }

    @Test
    void largeBodyRoundTripsIntact() throws Exception {
        HttpEngine e = fx.start();
        HttpClient c = client();
        byte[] body = new byte[512 * 1024];
        new Random(42).nextBytes(body);
        for (int i = 0; i < 3; i++) { // the same connection carries it more than once
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + "/echo"))
                    .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<byte[]> r = c.send(req, HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals(String.valueOf(body.length), r.headers().firstValue("content-length").orElse(null));
            assertArrayEquals(body, r.body());
        }
        assertEquals(1, e.counters().connectionsAccepted());
    }

    @Test
    void notFoundAndMethodNotAllowedReachTheClient() throws Exception {
        HttpEngine e = fx.start();
        HttpClient c = client();
        HttpResponse<String> nf = c.send(get(e, "/missing"), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, nf.statusCode());
        HttpRequest del = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + "/echo"))
                .timeout(TIMEOUT).DELETE().build();
        HttpResponse<String> na = c.send(del, HttpResponse.BodyHandlers.ofString());
        assertEquals(405, na.statusCode());
        assertEquals("POST", na.headers().firstValue("allow").orElse(null));
    }
}
