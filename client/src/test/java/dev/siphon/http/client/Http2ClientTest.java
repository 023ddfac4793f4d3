package dev.siphon.http.client;

import static dev.siphon.http.client.Upstreams.eventually;
import static dev.siphon.http.client.Upstreams.url;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** h2c with prior knowledge against the engine's own HTTP/2 server. */
class Http2ClientTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    private HttpClient h2(HttpEngine e, int poolSize) {
        return up.client(HttpClient.builder().baseUrl(url(e)).http2PriorKnowledge(true).poolSize(poolSize)
                .maxConnections(poolSize));
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    @Test
    void multiplexesManyConcurrentRequestsOnOneConnection() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = h2(e, 8);
        assertEquals("HTTP/2", c.get("/hello").join().version());
        List<CompletableFuture<ClientResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            fs.add(c.get("/slow/50"));
        }
        for (CompletableFuture<ClientResponse> f : fs) {
            assertEquals("slow", f.join().text());
        }
        assertEquals(1, e.counters().connectionsAccepted());
        assertEquals(91, e.counters().requests());
    }

    @Test
    void opensAnotherConnectionOnlyPastMaxConcurrentStreams() throws Exception {
        HttpEngine e = up.engine(Upstreams.settings().withHttp2(
                Upstreams.settings().http2().withMaxConcurrentStreams(10)));
        HttpClient c = h2(e, 3);
        c.get("/hello").join();
        List<CompletableFuture<ClientResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            fs.add(c.get("/slow/100"));
        }
        for (CompletableFuture<ClientResponse> f : fs) {
            assertEquals(200, f.join().status());
        }
        assertEquals(3, e.counters().connectionsAccepted()); // 30 streams at once, the rest queued
    }

    @Test
    void largeBodiesBothWaysUnderFlowControl() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = h2(e, 1);
        byte[] body = pattern(5 << 20);
        List<CompletableFuture<ClientResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fs.add(c.put("/echo", body));
            fs.add(c.get("/big/" + (4 << 20)));
        }
        for (int i = 0; i < fs.size(); i++) {
            assertArrayEquals(i % 2 == 0 ? body : pattern(4 << 20), fs.get(i).join().body());
        }
        assertEquals(1, e.counters().connectionsAccepted());
    }

    @Test
    void headersMethodsAndBodilessResponses() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = h2(e, 1);
        ClientResponse r = c.send("PATCH", "/echo", Map.of("X-Test", "v", "Connection", "close"), "p".getBytes()).join();
        assertEquals("PATCH", r.header("x-method"));
        assertEquals("v", r.header("x-test"));
        assertEquals("p", r.text());
        assertEquals("127.0.0.1:" + e.port(), r.header("x-host")); // :authority
        assertEquals(204, c.get("/empty").join().status());
        ClientResponse head = c.send("HEAD", "/hello", null, null).join();
        assertEquals(0, head.body().length);
    }

    @Test
    void timeoutResetsTheStreamAndKeepsTheConnection() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)).http2PriorKnowledge(true).timeoutMs(200));
        CompletionException t = assertThrows(CompletionException.class, () -> c.get("/never").join());
        assertInstanceOf(RequestTimeoutException.class, t.getCause());
        CompletableFuture<ClientResponse> cancelled = c.get("/never");
        Thread.sleep(50);
        cancelled.cancel(true);
        assertEquals("hello", c.get("/hello").join().text());
        assertEquals(1, e.counters().connectionsAccepted());
        eventually("buffers back", () -> c.buffersOutstanding() == 0);
    }

    @Test
    void responseBodyCapResetsTheStream() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)).http2PriorKnowledge(true)
                .maxResponseBodyBytes(1 << 20));
        CompletionException t = assertThrows(CompletionException.class, () -> c.get("/big/" + (3 << 20)).join());
        assertInstanceOf(ResponseTooLargeException.class, t.getCause());
        assertEquals("hello", c.get("/hello").join().text());
    }

    @Test
    void anHttp1OnlyUpstreamIsAClearError() throws Exception {
        RawServer s = up.raw((sock, n) -> {
            sock.getInputStream().readNBytes(24);
            RawServer.write(sock, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            sock.getInputStream().read();
        });
        HttpClient c = up.client(HttpClient.builder().baseUrl(s.url()).http2PriorKnowledge(true));
        CompletionException t = assertThrows(CompletionException.class, () -> c.get("/").join());
        assertInstanceOf(MalformedResponseException.class, t.getCause());
        assertTrue(t.getCause().getMessage().contains("does not speak h2c"), t.getCause().getMessage());
        eventually("closed", () -> c.openConnections() == 0);
    }
}
