package dev.siphon.http.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** TLS with real clients: openssl s_client, curl (HTTP/2 and HTTP/1.1 by ALPN), the JDK HttpClient. */
class RealClientsTest {
    @RegisterExtension
    final TlsFixture fx = new TlsFixture();

    @TempDir
    Path tmp;

    private final TestPki pki;

    RealClientsTest() throws Exception {
        pki = TestPki.get();
    }

    private static final String GET_TLS = "GET /tls HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    @Test
    void opensslHandshakesWithTls13AndTls12() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        for (String v : new String[] {"-tls1_3", "-tls1_2"}) {
            Cmd.Result r = Cmd.sClient(tmp, e.port(), GET_TLS, v, "-CAfile", pki.file("ca.pem").toString(),
                    "-servername", "localhost", "-verify_return_error");
            assertEquals(0, r.exit(), r::toString);
            String out = r.out();
            assertTrue(out.contains("Verify return code: 0 (ok)"), out);
            String expected = v.equals("-tls1_3") ? "TLSv1.3" : "TLSv1.2";
            assertTrue(out.contains("protocol=" + expected), out);
            assertTrue(out.contains("sni=localhost"), out);
            assertTrue(out.contains("alpn=null"), out); // s_client offers no ALPN: HTTP/1.1
            assertTrue(out.contains("scheme=https"), out);
        }
    }

    @Test
    void refusesTls11AndTls10() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        for (String v : new String[] {"-tls1_1", "-tls1"}) {
            // SECLEVEL=0: OpenSSL 3 would not even offer these versions otherwise
            Cmd.Result r = Cmd.sClient(tmp, e.port(), GET_TLS, v, "-cipher", "DEFAULT@SECLEVEL=0");
            assertNotEquals(0, r.exit(), r::toString);
            assertTrue(!r.out().contains("scheme=https"), r::toString);
        }
        assertEquals("hello", Cmd.curl(tmp, "--cacert", pki.file("ca.pem").toString(),
                "https://localhost:" + e.port() + "/hello").out()); // the listener keeps serving
    }

    @Test
    void curlNegotiatesH2ByAlpn() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        Cmd.Result r = Cmd.curl(tmp, "-v", "--http2", "--cacert", pki.file("ca.pem").toString(),
                "https://localhost:" + e.port() + "/tls");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stderr().contains("ALPN: server accepted h2"), r.stderr());
        assertTrue(r.out().contains("version=HTTP/2\n"), r.out());
        assertTrue(r.out().contains("alpn=h2\n"), r.out());
        assertTrue(r.out().contains("sni=localhost\n"), r.out());
        assertTrue(r.out().contains("client=none\n"), r.out());
    }

    @Test
    void curlNegotiatesHttp11ByAlpn() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        Cmd.Result r = Cmd.curl(tmp, "-v", "--http1.1", "--cacert", pki.file("ca.pem").toString(),
                "https://localhost:" + e.port() + "/tls");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stderr().contains("ALPN: server accepted http/1.1"), r.stderr());
        assertTrue(r.out().contains("version=HTTP/1.1\n"), r.out());
        assertTrue(r.out().contains("alpn=http/1.1\n"), r.out());
    }

    @Test
    void connectingByIpAddressSendsNoSni() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        Cmd.Result r = Cmd.curl(tmp, "--cacert", pki.file("ca.pem").toString(), "https://127.0.0.1:" + e.port() + "/tls");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("sni=null\n"), r.out()); // RFC 6066 §3: no IP literals in SNI
    }

    @Test
    void jdkHttpClientSpeaksH2AndHttp11() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        for (HttpClient.Version v : HttpClient.Version.values()) {
            try (HttpClient client = HttpClient.newBuilder().sslContext(pki.clientContext(null)).version(v)
                    .connectTimeout(Duration.ofSeconds(5)).build()) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("https://localhost:" + e.port() + "/tls")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals(v, r.version());
                // the JDK client offers ALPN only when it asks for HTTP/2
                assertTrue(r.body().contains(v == HttpClient.Version.HTTP_2 ? "alpn=h2" : "version=HTTP/1.1"), r.body());
                byte[] body = TlsFixture.pattern(300_000);
                HttpResponse<byte[]> echo = client.send(HttpRequest.newBuilder(
                                URI.create("https://localhost:" + e.port() + "/echo"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertArrayEquals(body, echo.body());
            }
        }
    }

    @Test
    void jdkHttpClientOverTls12() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        SSLParameters p = new SSLParameters();
        p.setProtocols(new String[] {"TLSv1.2"});
        try (HttpClient client = HttpClient.newBuilder().sslContext(pki.clientContext(null)).sslParameters(p).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + e.port() + "/tls")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(r.body().contains("protocol=TLSv1.2"), r.body());
            assertTrue(r.body().contains("alpn=h2"), r.body());
        }
    }

    @Test
    void alpnWithNeitherProtocolIsRefused() throws Exception {
        HttpEngine e = fx.start(TlsFixture.tls(pki));
        Cmd.Result r = Cmd.sClient(tmp, e.port(), GET_TLS, "-alpn", "spdy/3");
        assertNotEquals(0, r.exit(), r::toString);
        assertTrue(r.stderr().contains("no application protocol"), r::toString); // RFC 7301 §3.2
        Cmd.Result h1 = Cmd.sClient(tmp, e.port(), GET_TLS, "-alpn", "spdy/3,http/1.1");
        assertTrue(h1.out().contains("alpn=http/1.1"), h1::toString);
    }
}
