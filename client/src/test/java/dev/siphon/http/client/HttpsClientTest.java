package dev.siphon.http.client;

import static dev.siphon.http.client.Upstreams.eventually;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.config.ClientConfig;
import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import dev.siphon.http.tls.TestPki;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * https:// through siphon-tls against this engine's TLS listener (ALPN h2 and http/1.1), against
 * JDK TLS peers that offer only http/1.1 or no ALPN, and against peers that break the handshake.
 * Every test ends with every client and upstream buffer returned and no connection left open
 * (the {@link Upstreams} extension checks).
 */
class HttpsClientTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    static TestPki pki;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.get();
        // a combined PEM: chain and key in one file, as the `cert` key alone allows
        Files.writeString(pki.file("bob-combined.pem"),
                Files.readString(pki.file("bob.pem")) + Files.readString(pki.file("bob.key")));
        Files.writeString(pki.file("alice-combined.pem"),
                Files.readString(pki.file("alice.key")) + Files.readString(pki.file("alice.pem")));
        TestPki.Identity elsewhere = TestPki.issue(pki.ca, "CN=elsewhere", TestPki.ec(), false, "other.example");
        pki.writeCert("elsewhere.pem", elsewhere.cert(), pki.ca.cert());
        pki.writePkcs8("elsewhere.key", elsewhere.keys().getPrivate());
    }

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

    private HttpEngine tlsEngine(Path cert, Path key, Path clientCa) throws Exception {
        return up.engine(ServerConfig.listen("127.0.0.1:0").withTls(new TlsConfig(cert, key, clientCa)),
                Upstreams.settings());
    }

    private HttpEngine tlsEngine() throws Exception {
        return tlsEngine(pki.file("server.pem"), pki.file("server.key"), null);
    }

    private HttpEngine mtlsEngine() throws Exception {
        return tlsEngine(pki.file("server.pem"), pki.file("server.key"), pki.file("ca.pem"));
    }

    private static String https(HttpEngine e) {
        return "https://127.0.0.1:" + e.port();
    }

    private HttpClient trusting(String baseUrl) {
        return up.client(HttpClient.builder().baseUrl(baseUrl).verify(pki.file("ca.pem")));
    }

    private static void nothingLeft(HttpClient c) throws InterruptedException {
        eventually("no connection open", () -> c.openConnections() == 0);
        eventually("every buffer back", () -> c.buffersOutstanding() == 0);
    }

    // ---------------------------------------------------------------- this engine, h2 and http/1.1

    @Test
    void getAndPostOverH2ToTheEngineWithACustomCa() throws Exception {
        HttpEngine e = tlsEngine();
        HttpClient c = trusting(https(e));
        ClientResponse r = c.get("/hello").join();
        assertEquals(200, r.status());
        assertEquals("hello", r.text());
        assertEquals("HTTP/2", r.version());
        assertEquals("alpn=h2 sni=null client=none", c.get("/tls").join().text()); // RFC 6066 §3: no SNI for an IP
        ClientResponse echo = c.post("/echo", "posted".getBytes(StandardCharsets.UTF_8), Map.of("x-test", "1")).join();
        assertEquals("posted", echo.text());
        assertEquals("POST", echo.header("x-method"));
        assertEquals(1, c.connectionsOpened());
    }

    @Test
    void getAndPostOverHttp1WhenH2IsNotOffered() throws Exception {
        HttpEngine e = tlsEngine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("ca.pem")).http2OverTls(false));
        ClientResponse r = c.get("/hello").join();
        assertEquals("hello", r.text());
        assertEquals("HTTP/1.1", r.version());
        assertEquals("alpn=http/1.1 sni=null client=none", c.get("/tls").join().text());
        assertEquals("posted", c.post("/echo", "posted".getBytes(StandardCharsets.UTF_8)).join().text());
        assertEquals(1, c.connectionsOpened());
    }

    @Test
    void sendsTheHostNameAsSniAndChecksTheCertificateForIt() throws Exception {
        HttpEngine e = tlsEngine();
        HttpClient c = trusting("https://localhost:" + e.port());
        assertEquals("alpn=h2 sni=localhost client=none", c.get("/tls").join().text());
    }

    @Test
    void largeBodiesBothWaysOverH2AndHttp1() throws Exception {
        HttpEngine e = tlsEngine();
        for (boolean h2 : new boolean[] {true, false}) {
            HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("ca.pem"))
                    .http2OverTls(h2));
            assertArrayEquals(pattern(3_000_000), c.get("/big/3000000").join().body());
            byte[] up4 = pattern(4 << 20);
            assertArrayEquals(up4, c.post("/echo", up4).join().body());
            assertEquals(1, c.connectionsOpened());
        }
    }

    @Test
    void poolReusesOneTlsConnectionForSequentialRequests() throws Exception {
        HttpEngine e = tlsEngine();
        for (boolean h2 : new boolean[] {true, false}) {
            HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("ca.pem"))
                    .http2OverTls(h2));
            for (int i = 0; i < 50; i++) {
                assertEquals("hello", c.get("/hello").join().text());
            }
            assertEquals(1, c.connectionsOpened(), h2 ? "h2" : "http/1.1");
            assertEquals(1, c.openConnections());
        }
        assertEquals(2, e.counters().connectionsAccepted());
    }

    @Test
    void multiplexesManyConcurrentRequestsOnOneH2TlsConnection() throws Exception {
        HttpEngine e = tlsEngine();
        HttpClient c = trusting(https(e)); // nothing opened yet: the first burst must not open pool_size connections
        List<CompletableFuture<ClientResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 96; i++) { // within the engine's 100 concurrent streams
            fs.add(i % 2 == 0 ? c.get("/slow/30") : c.post("/echo", ("n" + i).getBytes(StandardCharsets.UTF_8)));
        }
        for (int i = 0; i < fs.size(); i++) {
            ClientResponse r = fs.get(i).join();
            assertEquals("HTTP/2", r.version());
            assertEquals(i % 2 == 0 ? "slow" : "n" + i, r.text());
        }
        assertEquals(1, c.connectionsOpened());
        assertEquals(1, e.counters().connectionsAccepted());
    }

    /**
     * HTTP/1.1 only: this engine does not close an idle HTTP/2 connection within the test's time
     * (h2c behaves the same), so the h2 case has no upstream to test against here.
     */
    @Test
    void aTlsConnectionTheServerClosedWhileIdleIsNotReused() throws Exception {
        HttpEngine e = up.engine(ServerConfig.listen("127.0.0.1:0").withTls(
                new TlsConfig(pki.file("server.pem"), pki.file("server.key"), null)),
                Upstreams.settings().withIdleTimeoutMs(100));
        HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("ca.pem"))
                .http2OverTls(false));
        assertEquals("hello", c.get("/hello").join().text());
        eventually("the client saw close_notify or EOF and dropped it", () -> c.openConnections() == 0);
        // not idempotent: it must succeed without needing a retry
        assertEquals("x", c.post("/echo", "x".getBytes(StandardCharsets.UTF_8)).join().text());
        assertEquals(2, c.connectionsOpened());
        assertEquals(2, e.counters().connectionsAccepted());
    }

    @Test
    void aRequestTimeoutOverH2TlsResetsItsStreamAndKeepsTheConnection() throws Exception {
        HttpEngine e = tlsEngine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("ca.pem")).timeoutMs(300));
        assertEquals("hello", c.get("/hello").join().text());
        assertInstanceOf(RequestTimeoutException.class, failure(c.get("/never")));
        assertEquals("hello", c.get("/hello").join().text());
        assertEquals(1, c.connectionsOpened());
    }

    // ---------------------------------------------------------------- other TLS peers

    /**
     * A JDK TLS server answering every request on a connection with "ok" over HTTP/1.1, offering
     * {@code alpn} (none when empty).
     */
    private RawServerTls jdkPeer(String... alpn) throws Exception {
        RawServerTls s = new RawServerTls(serverContext(), alpn);
        up.closeLater(s);
        return s;
    }

    private static SSLContext serverContext() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", pki.server.keys().getPrivate(), "pw".toCharArray(),
                new X509Certificate[] {pki.server.cert(), pki.ca.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, "pw".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A blocking JDK SSLServerSocket peer: HTTP/1.1, "ok" to each request, keep-alive. */
    static final class RawServerTls implements AutoCloseable {
        final SSLServerSocket server;
        final AtomicInteger accepted = new AtomicInteger();
        volatile String negotiated;

        RawServerTls(SSLContext ctx, String[] alpn) throws Exception {
            server = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50,
                    InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try {
                        SSLSocket s = (SSLSocket) server.accept();
                        accepted.incrementAndGet();
                        SSLParameters p = s.getSSLParameters();
                        if (alpn.length > 0) {
                            p.setApplicationProtocols(alpn);
                        }
                        s.setSSLParameters(p);
                        Thread.ofPlatform().daemon().start(() -> serve(s));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
        }

        private void serve(SSLSocket s) {
            try (s) {
                s.startHandshake();
                negotiated = s.getApplicationProtocol();
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (RawServer.readRequest(in) != null) {
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (Exception e) {
                // the client went away
            }
        }

        String url() {
            return "https://127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }

    @Test
    void aServerChoosingHttp1ByAlpnGetsHttp1AndThePoolOpensMoreThanOne() throws Exception {
        RawServerTls s = jdkPeer("http/1.1");
        HttpClient c = up.client(HttpClient.builder().baseUrl(s.url()).verify(pki.file("ca.pem")).poolSize(4)
                .maxConnections(4));
        List<CompletableFuture<ClientResponse>> fs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            fs.add(c.get("/"));
        }
        for (CompletableFuture<ClientResponse> f : fs) {
            ClientResponse r = f.join();
            assertEquals("ok", r.text());
            assertEquals("HTTP/1.1", r.version());
        }
        assertEquals("http/1.1", s.negotiated);
        assertTrue(c.connectionsOpened() > 1 && c.connectionsOpened() <= 4, "opened " + c.connectionsOpened());
        long opened = c.connectionsOpened();
        for (int i = 0; i < 10; i++) {
            assertEquals("ok", c.get("/").join().text());
        }
        assertEquals(opened, c.connectionsOpened(), "idle TLS connections are reused");
    }

    @Test
    void aServerWithoutAlpnIsSpokenToInHttp1() throws Exception {
        RawServerTls s = jdkPeer();
        HttpClient c = trusting(s.url());
        ClientResponse r = c.get("/").join();
        assertEquals("ok", r.text());
        assertEquals("HTTP/1.1", r.version());
        assertEquals("ok", c.get("/").join().text());
        assertEquals(1, c.connectionsOpened());
    }

    // ---------------------------------------------------------------- failures

    @Test
    void aCertificateFromAnotherCaIsATlsException() throws Exception {
        HttpEngine e = tlsEngine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("other-ca.pem")));
        Throwable t = failure(c.get("/hello"));
        assertInstanceOf(TlsException.class, t);
        assertTrue(t.getMessage().contains("not trusted") && t.getMessage().contains("other-ca.pem")
                && t.getMessage().contains(https(e)), t.getMessage());
        nothingLeft(c);
        assertEquals(0, e.counters().requests());
    }

    @Test
    void theSystemRootsDoNotTrustTheTestCa() throws Exception {
        HttpEngine e = tlsEngine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)));
        Throwable t = failure(c.get("/hello"));
        assertInstanceOf(TlsException.class, t);
        assertTrue(t.getMessage().contains("not trusted") && t.getMessage().contains("system roots"), t.getMessage());
        nothingLeft(c);
    }

    @Test
    void aCertificateForAnotherNameIsATlsException() throws Exception {
        HttpEngine e = tlsEngine(pki.file("elsewhere.pem"), pki.file("elsewhere.key"), null);
        for (String host : new String[] {"127.0.0.1", "localhost"}) {
            HttpClient c = trusting("https://" + host + ":" + e.port());
            Throwable t = failure(c.get("/hello"));
            assertInstanceOf(TlsException.class, t);
            assertTrue(t.getMessage().contains("not valid for " + host) && t.getMessage().contains("other.example"),
                    t.getMessage());
            nothingLeft(c);
        }
        assertEquals(0, e.counters().requests());
    }

    @Test
    void anIpLiteralIsCheckedAgainstIpAddressesNotDnsNames() throws Exception {
        // the server certificate names DNS:localhost and IP:127.0.0.1; 127.0.0.2 reaches the same
        // listener only when it listens on all of 127/8, so ask for a name that is neither
        HttpEngine e = tlsEngine(pki.file("elsewhere.pem"), pki.file("elsewhere.key"), null);
        HttpClient c = trusting("https://[::ffff:127.0.0.1]:" + e.port());
        Throwable t = failure(c.get("/hello"));
        assertInstanceOf(TlsException.class, t);
        assertTrue(t.getMessage().contains("not valid for"), t.getMessage());
    }

    @Test
    void mutualTlsWithCertAndKeyFiles() throws Exception {
        HttpEngine e = mtlsEngine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("ca.pem"))
                .clientCert(pki.file("alice.pem"), pki.file("alice.key")));
        String seen = c.get("/tls").join().text();
        assertTrue(seen.contains("CN=alice"), seen);
        HttpClient h1 = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("ca.pem")).http2OverTls(false)
                .clientCert(pki.file("bob.pem"), pki.file("bob.key")));
        assertEquals("alpn=http/1.1 sni=null client=O=siphon tests,CN=bob", h1.get("/tls").join().text());
    }

    @Test
    void mutualTlsWithACombinedPem() throws Exception {
        HttpEngine e = mtlsEngine();
        for (String who : new String[] {"bob", "alice"}) {
            HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("ca.pem"))
                    .clientCert(pki.file(who + "-combined.pem"), null));
            String seen = c.get("/tls").join().text();
            assertTrue(seen.contains("CN=" + who), seen);
        }
    }

    @Test
    void aServerRequiringAClientCertificateRefusesAClientWithout() throws Exception {
        HttpEngine e = mtlsEngine();
        for (boolean h2 : new boolean[] {true, false}) {
            HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("ca.pem"))
                    .http2OverTls(h2));
            Throwable t = failure(c.get("/tls"));
            assertInstanceOf(TlsException.class, t);
            assertTrue(t.getMessage().contains("requires a client certificate and this client has none"),
                    t.getMessage());
            nothingLeft(c);
        }
        assertEquals(0, e.counters().requests());
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefused() throws Exception {
        HttpEngine e = mtlsEngine();
        HttpClient c = up.client(HttpClient.builder().baseUrl(https(e)).verify(pki.file("ca.pem"))
                .clientCert(pki.file("mallory.pem"), pki.file("mallory.key")));
        Throwable t = failure(c.get("/tls"));
        assertInstanceOf(TlsException.class, t);
        assertTrue(t.getMessage().contains("client certificate"), t.getMessage());
        nothingLeft(c);
        assertEquals(0, e.counters().requests());
    }

    @Test
    void aPlainHttpServerOnAnHttpsUrlIsATlsException() throws Exception {
        HttpEngine plain = up.engine();
        HttpClient c = trusting("https://127.0.0.1:" + plain.port());
        Throwable t = failure(c.get("/hello"));
        assertInstanceOf(TlsException.class, t);
        assertTrue(t.getMessage().contains("https://127.0.0.1:" + plain.port()), t.getMessage());
        nothingLeft(c);
    }

    @Test
    void garbageInsteadOfAHandshakeIsATlsException() throws Exception {
        for (String answer : new String[] {"SSH-2.0-OpenSSH_9.6\r\n", "\u0017\u0003\u0003\u0000\u0002zz",
                "\u0015\u0003\u0003\u0000\u0002\u0002\u0028"}) {
            RawServer s = up.raw((sock, n) -> {
                sock.getInputStream().read(new byte[512]); // part of the ClientHello
                RawServer.write(sock, answer);
                sock.getInputStream().read(); // hold the socket until the client closes it
            });
            HttpClient c = trusting("https://127.0.0.1:" + s.port());
            Throwable t = failure(c.get("/"));
            assertInstanceOf(TlsException.class, t, answer);
            assertTrue(t.getMessage().startsWith("TLS handshake with https://127.0.0.1:" + s.port() + " failed: "),
                    t.getMessage());
            nothingLeft(c);
        }
    }

    @Test
    void aServerClosingDuringTheHandshakeIsATlsException() throws Exception {
        RawServer s = up.raw((sock, n) -> sock.getInputStream().read(new byte[512]));
        HttpClient c = trusting("https://127.0.0.1:" + s.port());
        Throwable t = failure(c.get("/"));
        assertInstanceOf(TlsException.class, t);
        assertTrue(t.getMessage().contains("closed the connection during the handshake"), t.getMessage());
        nothingLeft(c);
    }

    @Test
    void theConnectTimeoutCoversTheHandshake() throws Exception {
        RawServer s = up.raw((sock, n) -> {
            InputStream in = sock.getInputStream();
            while (in.read() >= 0) {
                // takes the ClientHello, never answers, until the client gives up
            }
        });
        HttpClient c = up.client(HttpClient.builder().baseUrl("https://127.0.0.1:" + s.port())
                .verify(pki.file("ca.pem")).connectTimeoutMs(300).timeoutMs(5_000));
        long t0 = System.nanoTime();
        Throwable t = failure(c.get("/"));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertInstanceOf(ConnectTimeoutException.class, t);
        assertTrue(t.getMessage().contains("TLS handshake"), t.getMessage());
        assertTrue(ms < 3_000, "took " + ms + " ms");
        nothingLeft(c);
    }

    // ---------------------------------------------------------------- configuration

    @Test
    void missingOrUnreadableFilesFailTheBuildNamingTheFile() throws Exception {
        Path missing = pki.file("no-such-ca.pem");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HttpClient.builder().verify(missing).build());
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("no such file"),
                e.getMessage());
        assertInstanceOf(ConfigException.class, e.getCause());

        Path notPem = Files.writeString(pki.file("not.pem"), "hello\n");
        e = assertThrows(IllegalArgumentException.class, () -> HttpClient.builder().verify(notPem).build());
        assertTrue(e.getMessage().contains(notPem.toString()), e.getMessage());

        // a certificate without its key, alone: not a combined PEM
        e = assertThrows(IllegalArgumentException.class,
                () -> HttpClient.builder().clientCert(pki.file("alice.pem"), null).build());
        assertTrue(e.getMessage().contains("alice.pem") && e.getMessage().contains("private key"), e.getMessage());

        // a key that is not the certificate's
        e = assertThrows(IllegalArgumentException.class,
                () -> HttpClient.builder().clientCert(pki.file("alice.pem"), pki.file("bob.key")).build());
        assertTrue(e.getMessage().contains("bob.key") && e.getMessage().contains("does not match"), e.getMessage());

        Path missingKey = pki.file("no-such.key");
        e = assertThrows(IllegalArgumentException.class,
                () -> HttpClient.builder().clientCert(pki.file("alice.pem"), missingKey).build());
        assertTrue(e.getMessage().contains(missingKey.toString()), e.getMessage());
    }

    @Test
    void aConfiguredClientHonoursVerifyCertAndKey() throws Exception {
        HttpEngine e = mtlsEngine();
        ClientConfig cfg = ClientConfig.named("api").withBaseUrl(https(e) + "/")
                .withVerify(pki.file("ca.pem")).withIdentity(pki.file("alice.pem"), pki.file("alice.key"));
        HttpClient c = HttpClient.of(cfg);
        try {
            assertTrue(c.get("/tls").join().text().contains("CN=alice"));
            HttpClient combined = HttpClient.of(cfg.withIdentity(pki.file("bob-combined.pem"), null));
            try {
                assertTrue(combined.get("/tls").join().text().contains("CN=bob"));
            } finally {
                combined.close();
            }
        } finally {
            c.close();
            assertEquals(0, c.buffersOutstanding());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> HttpClient.of(cfg.withVerify(pki.file("missing-ca.pem"))));
        assertTrue(bad.getMessage().contains("missing-ca.pem") && bad.getMessage().contains("clients.api.verify"),
                bad.getMessage());
    }
}
