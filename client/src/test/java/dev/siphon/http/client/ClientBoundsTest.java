package dev.siphon.http.client;

import static dev.siphon.http.client.Upstreams.eventually;
import static dev.siphon.http.client.Upstreams.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.ClientConfig;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import dev.siphon.http.config.LoopThreads;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import dev.siphon.http.tls.TestPki;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an outbound client holds is bounded by what arrives and by what is in use: a declared
 * response length allocates nothing until its bytes come (HTTP/1.1 and HTTP/2), the body cap is
 * set per client (http.yaml, builder), idle per-origin pools go away, and a client with a base
 * URL sends to no other origin. Real upstreams on loopback: this engine, and raw sockets that
 * say what the engine never would.
 */
class ClientBoundsTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    /** Declared by the hostile upstreams below: half a gigabyte, of which they send 100 bytes. */
    private static final long DECLARED = 512L << 20;

    private static Throwable failure(CompletableFuture<?> f) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        return e.getCause();
    }

    /** Bytes the JVM allocated on {@code thread} (a platform thread) so far. */
    private static long allocated(Thread thread) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long n = mx.getThreadAllocatedBytes(thread.threadId());
        assertTrue(n >= 0, "thread allocation is measurable on this JVM");
        return n;
    }

    /**
     * The client's loop thread: the first response is held back until a dependent stage is in
     * place, so that stage runs where the future completes, on the loop.
     */
    private static Thread loopThread(CompletableFuture<ClientResponse> first, CountDownLatch answer) {
        CompletableFuture<Thread> loop = first.handle((r, e) -> Thread.currentThread());
        answer.countDown();
        Thread t = loop.join();
        assertTrue(t.getName().startsWith("siphon-client-loop-"), t.getName());
        return t;
    }

    @Test
    void aDeclaredContentLengthIsNotAllocatedBeforeItsBytesArrive() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        RawServer s = up.raw((sock, n) -> {
            InputStream in = sock.getInputStream();
            RawServer.readRequest(in);
            awaitQuietly(answer);
            RawServer.write(sock, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            RawServer.readRequest(in); // the same keep-alive connection
            RawServer.write(sock, "HTTP/1.1 200 OK\r\nContent-Length: " + DECLARED + "\r\n\r\n" + "x".repeat(100));
        });
        HttpClient c = up.client(HttpClient.builder().loopThreads(LoopThreads.PLATFORM).maxResponseBodyBytes(1L << 30));
        Thread loop = loopThread(c.get(s.url() + "/"), answer);
        long before = allocated(loop);
        Throwable t = failure(c.get(s.url() + "/big"));
        long used = allocated(loop) - before;
        assertTrue(used < 4 << 20, "the loop allocated " + used + " bytes for a response that declared " + DECLARED
                + " and sent 100");
        assertInstanceOf(ConnectionClosedException.class, t, "the upstream closed after 100 of its bytes");
        assertTrue(t.getMessage().contains("part of a response"), t.getMessage());
        assertEquals(1, s.accepted());
    }

    @Test
    void aDeclaredHttp2ContentLengthIsNotAllocatedBeforeItsBytesArrive() throws Exception {
        CountDownLatch answer = new CountDownLatch(1);
        RawServer s = up.raw((sock, n) -> {
            RawH2 h2 = new RawH2(sock);
            h2.awaitHeaders();
            awaitQuietly(answer);
            h2.respond(1, 2, "ok".getBytes(StandardCharsets.US_ASCII), true);
            h2.awaitHeaders();
            h2.respond(3, DECLARED, new byte[100], false); // and close
        });
        HttpClient c = up.client(HttpClient.builder().loopThreads(LoopThreads.PLATFORM).http2PriorKnowledge(true)
                .maxResponseBodyBytes(1L << 30));
        Thread loop = loopThread(c.get(s.url() + "/"), answer);
        long before = allocated(loop);
        Throwable t = failure(c.get(s.url() + "/big"));
        long used = allocated(loop) - before;
        assertTrue(used < 4 << 20, "the loop allocated " + used + " bytes for a stream that declared " + DECLARED
                + " and sent 100");
        assertInstanceOf(ConnectionClosedException.class, t, "the upstream closed after 100 bytes of DATA");
    }

    /** http.yaml's max_response_bytes caps the body on both protocols; over it: an error, not a buffer. */
    @Test
    void theResponseCapOfAConfiguredClientComesFromHttpYaml() throws Exception {
        HttpEngine e = up.engine();
        RawServer chunked = up.raw((sock, n) -> {
            RawServer.readRequest(sock.getInputStream());
            RawServer.write(sock, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 64; i++) {
                RawServer.write(sock, "40\r\n" + "y".repeat(64) + "\r\n");
            }
            sock.getInputStream().read(); // until the client closes
        });
        HttpConfig config = ConfigLoader.parse("""
                clients:
                  api:
                    base_url: ${UP}
                    max_response_bytes: 1000
                  h2:
                    base_url: ${UP}
                    http2_prior_knowledge: true
                    max_response_bytes: 1000
                  chunked:
                    base_url: ${RAW}
                    max_response_bytes: 1000
                """, "http.yaml", Map.of("UP", url(e), "RAW", chunked.url())::get);
        HttpClient api = up.client(HttpClient.builder().config(config.clients().get("api")));
        assertEquals(1000, api.get("/big/1000").join().body().length);
        Throwable t = failure(api.get("/big/1001"));
        assertInstanceOf(ResponseTooLargeException.class, t);
        assertTrue(t.getMessage().contains("1001") && t.getMessage().contains("1000-byte"), t.getMessage());
        eventually("the HTTP/1.1 connection is closed", () -> api.openConnections() == 0);

        HttpClient h2 = up.client(HttpClient.builder().config(config.clients().get("h2")));
        assertEquals(1000, h2.get("/big/1000").join().body().length);
        assertInstanceOf(ResponseTooLargeException.class, failure(h2.get("/big/1001")));
        assertEquals(1000, h2.get("/big/1000").join().body().length, "the stream was reset, the connection goes on");
        assertEquals(1, h2.connectionsOpened());

        HttpClient raw = up.client(HttpClient.builder().config(config.clients().get("chunked")));
        t = failure(raw.get("/"));
        assertInstanceOf(ResponseTooLargeException.class, t);
        assertTrue(t.getMessage().contains("exceeds the 1000-byte cap"), t.getMessage());
        eventually("the connection is closed", () -> raw.openConnections() == 0);
        eventually("its buffers are back", () -> raw.buffersOutstanding() == 0);
    }

    /**
     * A client that called many origins once keeps nothing of them after the idle timeout: each
     * idle connection is closed (its file descriptor with it), and each empty pool leaves the
     * client. A later request to one of them makes a new pool.
     */
    @Test
    void idlePoolsOfManyOriginsAreEvicted() throws Exception {
        int origins = 100;
        HttpEngine.Builder b = HttpEngine.builder().settings(Upstreams.settings())
                .route("GET", "/hello", req -> Response.text(200, "hello"));
        for (int i = 0; i < origins; i++) {
            b.listen("127.0.0." + (1 + i) + ":0"); // 127.0.0.0/8 is all loopback
        }
        HttpEngine e = b.start();
        up.closeLater(e);
        HttpClient c = up.client(HttpClient.builder().idleTimeoutMs(300).ioLoops(2));
        long fdsBefore = openFiles();
        List<CompletableFuture<ClientResponse>> fs = new ArrayList<>();
        for (String u : e.urls()) {
            fs.add(c.get(u + "/hello"));
        }
        for (CompletableFuture<ClientResponse> f : fs) {
            assertEquals("hello", f.join().text());
        }
        assertEquals(origins, c.origins());
        assertEquals(origins, c.openConnections());
        eventually("every idle connection is closed and every empty pool dropped",
                () -> c.openConnections() == 0 && c.origins() == 0);
        eventually("file descriptors back to " + fdsBefore + " (both ends of every connection closed)",
                () -> openFiles() <= fdsBefore);
        assertEquals("hello", c.get(e.urls().get(7) + "/hello").join().text());
        assertEquals(1, c.origins());
        e.close();
        assertEquals(0, e.buffersOutstanding());
    }

    /**
     * Requests that race the sweep (the idle timeout is 1 ms) always land in a pool the client
     * still knows: every one is answered, and close() finds every connection.
     */
    @Test
    void requestsRacingTheSweepAreNeverLost() throws Exception {
        HttpEngine e = up.engine();
        HttpClient c = up.client(HttpClient.builder().idleTimeoutMs(1).baseUrl(url(e)));
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        int n = 0;
        while (System.nanoTime() < end) {
            assertEquals("hello", c.get("/hello").join().text());
            if (++n % 7 == 0) {
                Thread.sleep(n % 3); // now and then idle across a sweep
            }
        }
        eventually("the pool is dropped once idle", () -> c.origins() == 0 && c.openConnections() == 0);
    }

    @Test
    void aClientWithABaseUrlSendsToNoOtherOrigin() throws Exception {
        HttpEngine home = up.engine();
        RawServer other = up.raw((sock, n) -> {
            RawServer.readRequest(sock.getInputStream());
            RawServer.write(sock, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nother");
        });
        HttpClient c = up.client(HttpClient.builder().baseUrl(url(home) + "/"));
        assertEquals("hello", c.get("/hello").join().text());
        assertEquals("hello", c.get(url(home) + "/hello").join().text(), "an absolute URL to its own origin is fine");
        assertEquals("hello", c.get("HTTP://127.0.0.1:" + home.port() + "/hello").join().text());
        // "//host/x" is a path on the base URL's origin (appended, as the original siphon did), not another host
        assertEquals(404, c.get("//127.0.0.1:" + other.port() + "/x").join().status());
        for (String elsewhere : List.of(other.url() + "/x",
                "https://127.0.0.1:" + home.port() + "/hello", "http://localhost:" + home.port() + "/hello")) {
            Throwable t = failure(c.get(elsewhere));
            assertInstanceOf(OriginNotAllowedException.class, t, elsewhere);
            assertTrue(t.getMessage().startsWith("client sends only to http://127.0.0.1:" + home.port()
                    + ", the origin of its base URL; a request to "), t.getMessage());
            assertTrue(t.getMessage().endsWith("was not sent (allowOtherOrigins(true) allows other origins)"),
                    t.getMessage());
        }
        assertEquals(0, other.accepted(), "no connection was opened to another origin");
        assertEquals(1, c.origins());

        HttpClient named = up.client(HttpClient.builder().config(ClientConfig.named("api").withBaseUrl(url(home))));
        Throwable t = failure(named.get(other.url() + "/x"));
        assertInstanceOf(OriginNotAllowedException.class, t);
        assertTrue(t.getMessage().startsWith("clients.api sends only to ") && t.getMessage().endsWith(
                "(allow_other_origins: true under clients.api in http.yaml allows other origins)"), t.getMessage());
        assertEquals(0, other.accepted());

        HttpClient open = up.client(HttpClient.builder().config(ClientConfig.named("open").withBaseUrl(url(home))
                .withAllowOtherOrigins(true)));
        assertEquals("other", open.get(other.url() + "/x").join().text());
        HttpClient noBase = up.client(HttpClient.builder());
        assertEquals("other", noBase.get(other.url() + "/x").join().text(), "without a base URL any origin is fine");
        assertEquals(2, other.accepted());
    }

    /** A client's mutual-TLS identity goes to its own origin only: another is never even connected to. */
    @Test
    void aMutualTlsClientNeverConnectsToAnotherOrigin() throws Exception {
        TestPki pki = TestPki.get();
        HttpEngine home = up.engine(ServerConfig.listen("127.0.0.1:0").withTls(new TlsConfig(pki.file("server.pem"),
                pki.file("server.key"), pki.file("ca.pem"))), Upstreams.settings());
        RawServer other = up.raw((sock, n) -> sock.getInputStream().read());
        HttpClient c = up.client(HttpClient.builder().baseUrl("https://127.0.0.1:" + home.port())
                .verify(pki.file("ca.pem")).clientCert(pki.file("alice.pem"), pki.file("alice.key")));
        String seen = c.get("/tls").join().text();
        assertTrue(seen.contains("CN=alice"), seen);
        for (String elsewhere : List.of("https://127.0.0.1:" + other.port() + "/", "http://127.0.0.1:" + other.port() + "/",
                "https://localhost:" + home.port() + "/tls")) {
            assertInstanceOf(OriginNotAllowedException.class, failure(c.get(elsewhere)), elsewhere);
        }
        assertEquals(0, other.accepted());
        assertEquals(1, c.connectionsOpened());
    }

    private static void awaitQuietly(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IOException("never released");
            }
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }

    private static long openFiles() {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Just enough of an HTTP/2 server (RFC 9113) for one test: reads the client preface, sends an
     * empty SETTINGS, acknowledges the client's, and answers a stream with a HEADERS block in
     * literal HPACK representations (RFC 7541 §6.2.2) and one DATA frame.
     */
    private static final class RawH2 {
        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;

        RawH2(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new DataInputStream(socket.getInputStream());
            this.out = socket.getOutputStream();
            in.readNBytes(24); // PRI * HTTP/2.0 ...
            frame(0x4, 0, 0, new byte[0]);
        }

        /** Reads frames until a HEADERS frame, acknowledging SETTINGS on the way. */
        void awaitHeaders() throws IOException {
            while (true) {
                int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                in.readInt();
                in.readNBytes(length);
                if (type == 0x4 && (flags & 0x1) == 0) {
                    frame(0x4, 0x1, 0, new byte[0]);
                } else if (type == 0x1) {
                    return;
                }
            }
        }

        /** HEADERS (:status 200, content-length) then one DATA frame; without END_STREAM the socket closes after it. */
        void respond(int stream, long contentLength, byte[] data, boolean end) throws IOException {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            literal(block, ":status", "200");
            literal(block, "content-length", Long.toString(contentLength));
            frame(0x1, 0x4, stream, block.toByteArray());
            frame(0x0, end ? 0x1 : 0, stream, data);
            if (!end) {
                socket.close();
            }
        }

        private static void literal(ByteArrayOutputStream b, String name, String value) {
            b.write(0); // literal header field without indexing, new name (RFC 7541 §6.2.2)
            b.write(name.length());
            b.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
            b.write(value.length());
            b.writeBytes(value.getBytes(StandardCharsets.US_ASCII));
        }

        private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
            byte[] h = {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8),
                (byte) stream};
            out.write(h);
            out.write(payload);
            out.flush();
        }
    }
}
