package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.client.HttpClient;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.HttpConfig;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import dev.siphon.http.tls.TestPki;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code http.Client} over https:// from a script (scripts/https_client.py, one worker): a
 * custom CA ({@code verify}), mutual TLS ({@code cert}), and the failures a handler catches as
 * {@code http.TLSError} or sees as {@code ValueError} at construction. The upstreams are this
 * engine's TLS listeners with certificates of the tls module's {@link TestPki}; each answers
 * GET /whoami with the HTTP version, the ALPN protocol and the client certificate it saw.
 */
class PythonHttpsClientTest {
    static TestPki pki;
    static HttpEngine tls;        // server certificate for localhost and 127.0.0.1
    static HttpEngine mtls;       // the same, and requires a client certificate from the test CA
    static HttpEngine elsewhere;  // a certificate for other.example only
    static Http1OnlyPeer http1Only;
    static PythonServer server;
    static String base;
    static final java.net.http.HttpClient JDK = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.get();
        Files.writeString(pki.file("bob-combined.pem"),
                Files.readString(pki.file("bob.pem")) + Files.readString(pki.file("bob.key")));
        TestPki.Identity other = TestPki.issue(pki.ca, "CN=elsewhere", TestPki.ec(), false, "other.example");
        pki.writeCert("elsewhere.pem", other.cert(), pki.ca.cert());
        pki.writePkcs8("elsewhere.key", other.keys().getPrivate());
        Files.writeString(pki.file("not-pem.txt"), "this is not PEM\n");

        tls = whoamiUpstream(new TlsConfig(pki.file("server.pem"), pki.file("server.key"), null));
        mtls = whoamiUpstream(new TlsConfig(pki.file("server.pem"), pki.file("server.key"), pki.file("ca.pem")));
        elsewhere = whoamiUpstream(new TlsConfig(pki.file("elsewhere.pem"), pki.file("elsewhere.key"), null));
        http1Only = new Http1OnlyPeer(pki);

        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                    request_timeout_ms: 20000
                clients:
                  tls:
                    base_url: ${TLS}/
                    verify: ${PKI}/ca.pem
                  mtls:
                    base_url: ${MTLS}/
                    verify: ${PKI}/ca.pem
                    cert: ${PKI}/alice.pem
                    key: ${PKI}/alice.key
                  mtls_combined:
                    base_url: ${MTLS}/
                    verify: ${PKI}/ca.pem
                    cert: ${PKI}/bob-combined.pem
                engine:
                  workers: 1
                """, "https.yaml", Map.of("TLS", https(tls), "MTLS", https(mtls), "PKI", pki.dir.toString())::get);
        server = PythonServer.start(config, Scripts.path("https_client.py"));
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() throws Exception {
        Scripts.closeCheckingClients(server);
        for (AutoCloseable c : new AutoCloseable[] {tls, mtls, elsewhere, http1Only}) {
            if (c != null) {
                c.close();
            }
        }
    }

    static HttpEngine whoamiUpstream(TlsConfig tlsConfig) throws Exception {
        return HttpEngine.builder()
                .listen(ServerConfig.listen("127.0.0.1:0").withTls(tlsConfig))
                .settings(EngineSettings.defaults().withIoLoops(1))
                .route("GET", "/whoami", req -> Response.text(200, req.version()
                        + " alpn=" + req.tls().applicationProtocol()
                        + " client=" + (req.clientCert() == null ? "none" : req.clientCert().subject())))
                .start();
    }

    static String https(HttpEngine e) {
        return "https://127.0.0.1:" + e.port();
    }

    /** GET /inline of the script: url, then verify, cert, key as given (file names in the test PKI). */
    static String inline(String url, String... settings) throws Exception {
        StringBuilder target = new StringBuilder("/inline?url=").append(q(url));
        for (int i = 0; i + 1 < settings.length; i += 2) {
            String file = settings[i + 1].startsWith("/") ? settings[i + 1] : pki.file(settings[i + 1]).toString();
            target.append('&').append(settings[i]).append('=').append(q(file));
        }
        return body(target.toString());
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String body(String path) throws Exception {
        HttpResponse<String> r = JDK.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    @Test
    void inlineClientWithACustomCaSpeaksH2ChosenByAlpn() throws Exception {
        assertEquals("200 HTTP/2 alpn=h2 client=none", inline(https(tls) + "/whoami", "verify", "ca.pem"));
        // the certificate names localhost too; a host name is also sent as SNI
        assertEquals("200 HTTP/2 alpn=h2 client=none",
                inline("https://localhost:" + tls.port() + "/whoami", "verify", "ca.pem"));
    }

    @Test
    void aServerOfferingOnlyHttp11GetsHttp11() throws Exception {
        assertEquals("200 alpn=http/1.1", inline(http1Only.url(), "verify", "ca.pem"));
    }

    @Test
    void aCertificateFromAnotherCaRaisesTlsError() throws Exception {
        long before = tls.counters().requests();
        String out = inline(https(tls) + "/whoami", "verify", "other-ca.pem");
        assertTrue(out.startsWith("TLSError|True|TLS handshake with " + https(tls) + " failed: ")
                && out.contains("not trusted") && out.contains(pki.file("other-ca.pem") + " (http.Client.verify)"), out);
        String systemRoots = inline(https(tls) + "/whoami");
        assertTrue(systemRoots.startsWith("TLSError|True|") && systemRoots.contains("system roots"), systemRoots);
        assertEquals(before, tls.counters().requests(), "no request reached the upstream");
    }

    @Test
    void aCertificateForAnotherHostRaisesTlsError() throws Exception {
        String out = inline(https(elsewhere) + "/whoami", "verify", "ca.pem");
        assertTrue(out.startsWith("TLSError|True|") && out.contains("not valid for 127.0.0.1")
                && out.contains("other.example"), out);
    }

    @Test
    void mutualTlsWithACertAndKeyPair() throws Exception {
        assertEquals("200 HTTP/2 alpn=h2 client=O=siphon tests,CN=alice",
                inline(https(mtls) + "/whoami", "verify", "ca.pem", "cert", "alice.pem", "key", "alice.key"));
    }

    @Test
    void mutualTlsWithACombinedPem() throws Exception {
        assertEquals("200 HTTP/2 alpn=h2 client=O=siphon tests,CN=bob",
                inline(https(mtls) + "/whoami", "verify", "ca.pem", "cert", "bob-combined.pem"));
    }

    @Test
    void aServerRequiringAClientCertificateRefusesAClientWithoutOne() throws Exception {
        String out = inline(https(mtls) + "/whoami", "verify", "ca.pem");
        assertTrue(out.startsWith("TLSError|True|") && out.contains("requires a client certificate"), out);
        String foreign = inline(https(mtls) + "/whoami", "verify", "ca.pem", "cert", "mallory.pem", "key",
                "mallory.key");
        assertTrue(foreign.startsWith("TLSError|True|"), foreign);
    }

    /**
     * A file that exists but is not PEM (or not the PEM expected), or is missing: ValueError at
     * construction naming the setting and the file, as the script wrote them.
     */
    @Test
    void aBadVerifyCertOrKeyFileIsAValueErrorNamingIt() throws Exception {
        String url = https(tls) + "/whoami";
        String notPem = pki.file("not-pem.txt").toString();
        assertEquals("ValueError|http.Client: verify: " + notPem
                + ": expected a PEM certificate (-----BEGIN CERTIFICATE-----), found none",
                inline(url, "verify", "not-pem.txt"));
        assertEquals("ValueError|http.Client: cert: " + notPem
                + ": expected a PEM certificate (-----BEGIN CERTIFICATE-----), found none",
                inline(url, "verify", "ca.pem", "cert", "not-pem.txt"));
        String key = inline(url, "verify", "ca.pem", "cert", "alice.pem", "key", "not-pem.txt");
        assertTrue(key.startsWith("ValueError|http.Client: cert key: " + notPem + ": expected a PEM private key"), key);
        String noKey = inline(url, "verify", "ca.pem", "cert", "alice.pem");
        assertTrue(noKey.startsWith("ValueError|http.Client: cert: " + pki.file("alice.pem")
                + ": expected a PEM private key"), "a certificate alone is not a combined PEM: " + noKey);
        String mismatch = inline(url, "verify", "ca.pem", "cert", "alice.pem", "key", "bob.key");
        assertTrue(mismatch.startsWith("ValueError|http.Client: cert key: " + pki.file("bob.key")
                + ": the private key does not match the certificate"), mismatch);
        assertEquals("ValueError|http.Client: verify: " + pki.file("no-such-ca.pem") + " is not a readable file",
                inline(url, "verify", "no-such-ca.pem"));
    }

    @Test
    void namedClientsTakeVerifyCertAndKeyFromHttpYaml() throws Exception {
        assertEquals("200 HTTP/2 alpn=h2 client=none", body("/named/tls"));
        assertEquals("200 HTTP/2 alpn=h2 client=O=siphon tests,CN=alice", body("/named/mtls"));
        assertEquals("200 HTTP/2 alpn=h2 client=O=siphon tests,CN=bob", body("/named/mtls_combined"));
    }

    /**
     * A JDK TLS server (SSLServerSocket) with the test server certificate that offers only
     * "http/1.1" by ALPN, answering every request with "alpn=" and what was negotiated.
     */
    static final class Http1OnlyPeer implements AutoCloseable {
        final SSLServerSocket socket;

        Http1OnlyPeer(TestPki pki) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", pki.server.keys().getPrivate(), "pw".toCharArray(),
                    new X509Certificate[] {pki.server.cert(), pki.ca.cert()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, "pw".toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            socket = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50,
                    InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().start(() -> {
                while (!socket.isClosed()) {
                    try {
                        SSLSocket s = (SSLSocket) socket.accept();
                        SSLParameters p = s.getSSLParameters();
                        p.setApplicationProtocols(new String[] {"http/1.1"});
                        s.setSSLParameters(p);
                        Thread.ofPlatform().daemon().start(() -> serve(s));
                    } catch (Exception e) {
                        return;
                    }
                }
            });
        }

        private static void serve(SSLSocket s) {
            try (s) {
                s.startHandshake();
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    if (!Scripts.readHead(in)) { // GET has no body
                        return;
                    }
                    String body = "alpn=" + s.getApplicationProtocol();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (Exception e) {
                // the client went away
            }
        }

        String url() {
            return "https://127.0.0.1:" + socket.getLocalPort() + "/";
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }
}
