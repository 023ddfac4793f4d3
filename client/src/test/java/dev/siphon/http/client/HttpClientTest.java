package dev.siphon.http.client;

import static dev.siphon.http.client.Upstreams.eventually;
import static dev.siphon.http.client.Upstreams.url;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.ClientConfig;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HttpClientTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    private static Throwable failure(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return e.getCause();
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31);
        }
        return b;
    }

    @Test
    void reusesOneConnectionForSequentialRequests() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e) + "/"));
        for (int i = 0; i < 50; i++) {
            ClientResponse r = c.get("/hello").join();
            assertEquals(200, r.status());
            assertEquals("hello", r.text());
            assertEquals("text/plain; charset=utf-8", r.headers().get("content-type"));
        }
        assertEquals(1, e.counters().connectionsAccepted());
        assertEquals(1, c.connectionsOpened());
    }

    @Test
    void configuredClientAppendsPathsToItsBaseUrl() throws Exception {
        HttpEngine e = up.engine();
        ClientConfig cfg = ClientConfig.named("api").withBaseUrl(url(e) + "//").withPoolSize(2);
        HttpClient c = up.client(HttpClient.builder().config(cfg));
        ClientResponse r = c.send("put", "/echo", Map.of("X-Test", "yes"), "payload".getBytes()).join();
        assertEquals("PUT", r.header("X-Method"));
        assertEquals("payload", r.text());
        assertEquals("yes", r.header("x-test"));
        assertEquals("127.0.0.1:" + e.port(), r.header("x-host"));
        assertEquals(2, c.settings().poolSize());
    }

    @Test
    void everyMethodWithAndWithoutBody() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)));
        assertEquals("POST", c.post("/echo", "a".getBytes()).join().header("x-method"));
        assertEquals("a", c.patch("/echo", "a".getBytes()).join().text());
        assertEquals("DELETE", c.delete("/echo").join().header("x-method"));
        assertEquals("", c.post("/echo", null).join().text());
        ClientResponse head = c.send("HEAD", "/hello", null, null).join();
        assertEquals(200, head.status());
        assertEquals(0, head.body().length);
        assertEquals("5", head.header("content-length"));
        ClientResponse empty = c.get("/empty").join();
        assertEquals(204, empty.status());
        assertEquals(0, empty.body().length);
        assertEquals(1, e.counters().connectionsAccepted()); // bodiless responses keep the connection
    }

    @Test
    void maxConnectionsBoundsConcurrentConnections() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)).maxConnections(3));
        List<CompletableFuture<ClientResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            fs.add(c.get("/slow/20"));
        }
        for (CompletableFuture<ClientResponse> f : fs) {
            assertEquals("slow", f.join().text());
        }
        assertEquals(3, e.counters().connectionsAccepted());
        assertEquals(3, c.connectionsOpened());
    }

    @Test
    void poolWaitTimeoutNamesOriginAndMaxConnections() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)).maxConnections(1).poolWaitTimeoutMs(150));
        CompletableFuture<ClientResponse> busy = c.get("/slow/1000");
        Thread.sleep(50);
        Throwable t = failure(c.get("/hello"));
        PoolTimeoutException p = assertInstanceOf(PoolTimeoutException.class, t);
        assertEquals(1, p.maxConnections());
        assertEquals("http://127.0.0.1:" + e.port(), p.origin());
        assertTrue(t.getMessage().contains("max_connections"), t.getMessage());
        assertEquals("slow", busy.join().text());
        assertEquals("hello", c.get("/hello").join().text()); // the pool recovers
        assertEquals(1, e.counters().connectionsAccepted());
    }

    @Test
    void fullWaitQueueRefusesAtOnce() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)).maxConnections(1).maxWaiters(2));
        CompletableFuture<ClientResponse> a = c.get("/slow/300");
        Thread.sleep(50);
        CompletableFuture<ClientResponse> b = c.get("/hello");
        CompletableFuture<ClientResponse> d = c.get("/hello");
        assertInstanceOf(PoolExhaustedException.class, failure(c.get("/hello")));
        assertEquals(200, a.join().status());
        assertEquals(200, b.join().status());
        assertEquals(200, d.join().status());
    }

    @Test
    void serverClosedIdleConnectionIsNotReused() throws Exception {
        HttpEngine e = up.engine(Upstreams.settings().withIdleTimeoutMs(100));
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)));
        assertEquals(200, c.get("/hello").join().status());
        eventually("upstream closed its idle connection", () -> e.counters().connectionsOpen() == 0);
        eventually("client saw the EOF and dropped it", () -> c.openConnections() == 0);
        assertEquals(200, c.post("/echo", "x".getBytes()).join().status()); // not idempotent: must not need a retry
        assertEquals(2, e.counters().connectionsAccepted());
    }

    /** Answers the first request on connection 1, then closes it on the second without a byte. */
    private RawServer closesSecondRequest() throws Exception {
        return up.raw((s, n) -> {
            InputStream in = s.getInputStream();
            if (RawServer.readRequest(in) == null) {
                return;
            }
            RawServer.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            if (n == 1) {
                RawServer.readRequest(in); // the reused request: dropped, as if the close raced it
                return;
            }
            while (RawServer.readRequest(in) != null) {
                RawServer.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        });
    }

    @Test
    void retriesAnIdempotentRequestOnceOnAFreshConnectionWhenAReusedOneCloses() throws Exception {
        RawServer s = closesSecondRequest();
        HttpClient c = up.client(HttpClient.builder().baseUrl(s.url()).idleTimeoutMs(60_000));
        assertEquals("ok", c.get("/a").join().text());
        assertEquals("ok", c.get("/b").join().text());
        assertEquals(2, s.accepted());
    }

    @Test
    void doesNotRetryANonIdempotentRequest() throws Exception {
        RawServer s = closesSecondRequest();
        HttpClient c = up.client(HttpClient.builder().baseUrl(s.url()));
        assertEquals("ok", c.get("/a").join().text());
        Throwable t = failure(c.post("/b", "x".getBytes()));
        assertInstanceOf(ConnectionClosedException.class, t);
        assertTrue(t.getMessage().contains("nothing received"), t.getMessage());
        assertEquals(1, s.accepted());
    }

    @Test
    void requestTimeoutClosesTheConnection() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)).timeoutMs(200));
        Throwable t = failure(c.get("/never"));
        assertInstanceOf(RequestTimeoutException.class, t);
        assertTrue(t.getMessage().contains("200 ms"), t.getMessage());
        eventually("connection closed", () -> c.openConnections() == 0);
        eventually("buffers back", () -> c.buffersOutstanding() == 0);
        assertEquals(200, c.get("/hello").join().status());
        assertEquals(2, e.counters().connectionsAccepted());
    }

    @Test
    void cancellingAFutureReleasesItsConnection() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)).maxConnections(1));
        CompletableFuture<ClientResponse> f = c.get("/never");
        Thread.sleep(100);
        CompletableFuture<ClientResponse> queued = c.get("/hello");
        assertTrue(f.cancel(true));
        assertEquals("hello", queued.get(5, TimeUnit.SECONDS).text()); // the freed slot serves the queue
        CompletableFuture<ClientResponse> g = c.get("/never").orTimeout(100, TimeUnit.MILLISECONDS);
        assertThrows(CompletionException.class, g::join);
        eventually("connections closed", () -> c.openConnections() == 0);
        eventually("buffers back", () -> c.buffersOutstanding() == 0);
    }

    @Test
    void connectRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HttpClient c = up.client(HttpClient.builder());
        Throwable t = failure(c.get("http://127.0.0.1:" + port + "/"));
        assertInstanceOf(ConnectRefusedException.class, t);
        assertTrue(t.getMessage().contains("127.0.0.1:" + port), t.getMessage());
        eventually("nothing open", () -> c.openConnections() == 0);
    }

    @Test
    void unknownHostFailsToConnect() throws Exception {
        HttpClient c = up.client(HttpClient.builder());
        assertInstanceOf(ConnectFailedException.class, failure(c.get("http://no-such-host.invalid/")));
    }

    @Test
    void contentLengthAndChunkedAndCloseDelimitedBodies() throws Exception {
        RawServer s = up.raw((sock, n) -> {
            InputStream in = sock.getInputStream();
            String req;
            while ((req = RawServer.readRequest(in)) != null) {
                if (req.startsWith("GET /chunked")) {
                    RawServer.write(sock, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n");
                } else if (req.startsWith("GET /interim")) {
                    RawServer.write(sock, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                            + "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nnew");
                } else if (req.startsWith("GET /close")) {
                    RawServer.write(sock, "HTTP/1.1 200 OK\r\n\r\nuntil the end");
                    return;
                } else {
                    RawServer.write(sock, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nlength");
                }
            }
        });
        HttpClient c = up.client(HttpClient.builder().baseUrl(s.url()));
        assertEquals("hello world", c.get("/chunked").join().text());
        assertEquals("length", c.get("/cl").join().text());
        ClientResponse interim = c.get("/interim").join();
        assertEquals(201, interim.status());
        assertEquals("new", interim.text());
        assertEquals(1, s.accepted());
        assertEquals("until the end", c.get("/close").join().text());
        eventually("close-delimited connection not kept", () -> c.openConnections() == 0);
    }

    @Test
    void largeBodiesBothWays() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)));
        byte[] up8 = pattern(8 << 20);
        ClientResponse echo = c.post("/echo", up8).join();
        assertArrayEquals(up8, echo.body());
        ClientResponse big = c.get("/big/" + (6 << 20)).join();
        assertArrayEquals(pattern(6 << 20), big.body());
        assertEquals(1, e.counters().connectionsAccepted());
    }

    @Test
    void responseBodyCapIsEnforced() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(e)).maxResponseBodyBytes(1 << 20)
                .allowOtherOrigins(true));
        Throwable t = failure(c.get("/big/" + (2 << 20)));
        assertInstanceOf(ResponseTooLargeException.class, t);
        RawServer s = up.raw((sock, n) -> {
            RawServer.readRequest(sock.getInputStream());
            RawServer.write(sock, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 40; i++) {
                RawServer.write(sock, "8000\r\n" + "x".repeat(0x8000) + "\r\n");
            }
        });
        assertInstanceOf(ResponseTooLargeException.class, failure(c.get(s.url() + "/")));
        eventually("nothing open", () -> c.openConnections() == 0);
        eventually("buffers back", () -> c.buffersOutstanding() == 0);
    }

    @Test
    void garbageFromTheUpstreamIsAMalformedResponse() throws Exception {
        String[] answers = {
            "SSH-2.0-OpenSSH_9.6\r\n",
            "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            "\u0000\u0001\u0002\u0003 binary junk \r\n\r\n",
        };
        for (String answer : answers) {
            RawServer s = up.raw((sock, n) -> {
                RawServer.readRequest(sock.getInputStream());
                RawServer.write(sock, answer);
                sock.getInputStream().read(); // hold the socket until the client closes it
            });
            HttpClient c = up.client(HttpClient.builder().baseUrl(s.url()));
            Throwable t = failure(c.get("/"));
            assertInstanceOf(MalformedResponseException.class, t, answer);
            assertTrue(t.getMessage().contains(s.url().substring(7)), t.getMessage());
            eventually("connection closed", () -> c.openConnections() == 0);
            eventually("buffers back", () -> c.buffersOutstanding() == 0);
        }
    }

    @Test
    void upstreamClosingMidResponseIsConnectionClosed() throws Exception {
        RawServer s = up.raw((sock, n) -> {
            RawServer.readRequest(sock.getInputStream());
            RawServer.write(sock, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part");
        });
        HttpClient c = up.client(HttpClient.builder().baseUrl(s.url()));
        Throwable t = failure(c.get("/"));
        assertInstanceOf(ConnectionClosedException.class, t);
        assertTrue(t.getMessage().contains("part of a response"), t.getMessage());
    }

    @Test
    void rejectsHeadersThatWouldSplitTheRequest() {
        HttpClient c = up.client(HttpClient.builder().baseUrl("http://127.0.0.1:1/"));
        assertThrows(IllegalArgumentException.class, () -> c.get("x", Map.of("X-A", "a\r\nX-B: b")));
        assertThrows(IllegalArgumentException.class, () -> c.get("x", Map.of("Bad Name", "v")));
        assertThrows(IllegalArgumentException.class, () -> HttpClient.builder().baseUrl("ftp://h/").build());
    }

    /** Every numeric setting of the builder has an upper bound, named with its range before anything starts. */
    @Test
    void builderSettingsHaveUpperBounds() {
        assertEquals("timeoutMs must be from 1 to 86400000, was 9223372036854775807", assertThrows(
                IllegalArgumentException.class, () -> HttpClient.builder().timeoutMs(Long.MAX_VALUE).build()).getMessage());
        assertEquals("poolSize must be from 1 to 1024, was 50000", assertThrows(
                IllegalArgumentException.class, () -> HttpClient.builder().poolSize(50_000).build()).getMessage());
        assertEquals("maxConnections must be from 1 to 16384, was 50000", assertThrows(
                IllegalArgumentException.class, () -> HttpClient.builder().maxConnections(50_000).build()).getMessage());
        assertEquals("maxResponseBodyBytes must be from 1 to 1073741824, was 2147483647", assertThrows(
                IllegalArgumentException.class,
                () -> HttpClient.builder().maxResponseBodyBytes(Integer.MAX_VALUE).build()).getMessage());
        assertEquals("maxResponseFields must be from 1 to 10000, was 50000000", assertThrows(
                IllegalArgumentException.class,
                () -> HttpClient.builder().maxResponseFields(50_000_000).build()).getMessage());
        assertEquals("connectTimeoutMs must be from 1 to 86400000, was 86400001", assertThrows(
                IllegalArgumentException.class,
                () -> HttpClient.builder().connectTimeoutMs(86_400_001).build()).getMessage());
    }

    @Test
    void closeReleasesEverythingAndFailsWhatIsInFlight() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = HttpClient.builder().baseUrl(url(e)).maxConnections(2).build();
        List<CompletableFuture<ClientResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            fs.add(c.get("/never"));
        }
        eventually("both connections busy upstream", () -> e.counters().connectionsOpen() == 2);
        c.close();
        for (CompletableFuture<ClientResponse> f : fs) {
            assertInstanceOf(ConnectionClosedException.class, failure(f));
        }
        assertEquals(0, c.openConnections());
        assertEquals(0, c.buffersOutstanding());
        assertInstanceOf(ConnectionClosedException.class, failure(c.get("/hello")));
        eventually("timer thread ended", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("siphon-client-timer") && t.isAlive()));
    }
}
