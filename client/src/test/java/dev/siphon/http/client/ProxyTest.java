package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.ClientConfig;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import dev.siphon.http.tls.TestPki;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests through a real HTTP proxy (tinyproxy): http:// in absolute form, https:// in a CONNECT
 * tunnel with TLS to the origin inside, the environment's HTTP_PROXY / HTTPS_PROXY / NO_PROXY,
 * Basic credentials from the proxy URL, and the failures: a proxy refusing the tunnel, a proxy
 * that is not there, a proxy URL that cannot be used.
 */
class ProxyTest {
    @RegisterExtension
    final Upstreams up = new Upstreams();

    @TempDir
    Path dir;

    static TestPki pki;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.get();
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return assertThrows(CompletionException.class, f::join).getCause();
    }

    /** An origin answering GET /seen with what it saw: the Via a proxy adds, the Host, and the TLS side. */
    private HttpEngine origin(boolean tls) throws Exception {
        ServerConfig l = ServerConfig.listen("127.0.0.1:0");
        if (tls) {
            l = l.withTls(new TlsConfig(pki.file("server.pem"), pki.file("server.key"), null));
        }
        HttpEngine e = HttpEngine.builder().listen(l).settings(Upstreams.settings())
                .route("GET", "/seen", req -> Response.text(200, "via=" + req.header("via") + " host="
                        + req.header("host") + " tls=" + (req.tls() == null ? "none"
                        : req.tls().applicationProtocol() + "/" + req.tls().serverName())))
                .start();
        up.closeLater(e);
        return e;
    }

    private Tinyproxy tinyproxy(String... extra) throws Exception {
        Tinyproxy t = new Tinyproxy(dir, extra);
        up.closeLater(t);
        return t;
    }

    @Test
    void httpGoesToTheProxyInAbsoluteForm() throws Exception {
        HttpEngine e = origin(false);
        Tinyproxy proxy = tinyproxy();
        HttpClient c = up.client(HttpClient.builder().baseUrl("http://127.0.0.1:" + e.port()).proxy(proxy.url()));
        ClientResponse r = c.get("/seen?x=1").join();
        assertEquals(200, r.status());
        // tinyproxy forwarded it (RFC 9110 §7.6.3: Via), the Host stayed the origin's
        assertEquals("via=1.1 siphon-test-proxy (tinyproxy/1.11.1) host=127.0.0.1:" + e.port() + " tls=none",
                r.text().replaceAll("tinyproxy/[0-9.]+", "tinyproxy/1.11.1"));
        // RFC 9112 §3.2.2: the proxy read an absolute-form request-target
        assertEquals(List.of("GET http://127.0.0.1:" + e.port() + "/seen?x=1 HTTP/1.1"), proxy.requestLines());
        assertEquals(200, c.get("/seen").join().status());
        assertEquals(2, proxy.requestLines().size());
    }

    @Test
    void httpsGoesThroughAConnectTunnelWithTlsToTheOrigin() throws Exception {
        HttpEngine e = origin(true);
        Tinyproxy proxy = tinyproxy("ConnectPort " + e.port());
        HttpClient c = up.client(HttpClient.builder().baseUrl("https://localhost:" + e.port()).proxy(proxy.url())
                .verify(pki.file("ca.pem")));
        ClientResponse r = c.get("/seen").join();
        // the origin's own name went out as SNI and its certificate was checked against it; ALPN
        // chose h2 inside the tunnel; the proxy saw only CONNECT (no Via: it cannot read the stream)
        assertEquals("via=null host=localhost:" + e.port() + " tls=h2/localhost", r.text());
        assertEquals("HTTP/2", r.version());
        assertEquals(List.of("CONNECT localhost:" + e.port() + " HTTP/1.1"), proxy.requestLines());
        for (int i = 0; i < 5; i++) {
            assertEquals(200, c.get("/seen").join().status());
        }
        assertEquals(1, c.connectionsOpened()); // the tunnel stays, HTTP/2 inside it
        assertEquals(1, proxy.requestLines().size());
    }

    @Test
    void theOriginsCertificateIsCheckedInsideTheTunnel() throws Exception {
        HttpEngine e = origin(true);
        Tinyproxy proxy = tinyproxy("ConnectPort " + e.port());
        HttpClient c = up.client(HttpClient.builder().proxy(proxy.url())); // system roots: the test CA is unknown
        Throwable t = failure(c.get("https://localhost:" + e.port() + "/seen"));
        assertInstanceOf(TlsException.class, t);
        assertTrue(t.getMessage().contains("https://localhost:" + e.port())
                && t.getMessage().contains("through proxy " + proxy.url()), t.getMessage());
    }

    @Test
    void aProxyRefusingConnectIsAConnectErrorNamingItAndItsStatus() throws Exception {
        HttpEngine e = origin(true);
        Tinyproxy proxy = tinyproxy("ConnectPort 1"); // CONNECT only to port 1: 403 for the origin's
        HttpClient c = up.client(HttpClient.builder().proxy(proxy.url()).verify(pki.file("ca.pem")));
        Throwable t = failure(c.get("https://127.0.0.1:" + e.port() + "/seen"));
        ProxyConnectException p = assertInstanceOf(ProxyConnectException.class, t);
        assertInstanceOf(ConnectFailedException.class, t);
        assertEquals(403, p.status());
        assertEquals(proxy.url(), p.proxy());
        assertEquals("proxy " + proxy.url() + " did not open a tunnel to https://127.0.0.1:" + e.port()
                + ": it answered CONNECT with \"403 Access violation\"", t.getMessage());
        assertEquals(0, e.counters().connectionsAccepted()); // nothing reached the origin
    }

    @Test
    void anUnreachableProxyIsNamed() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HttpEngine e = origin(false);
        HttpClient c = up.client(HttpClient.builder().proxy("127.0.0.1:" + port)); // no scheme: http, as reqwest
        Throwable t = failure(c.get("http://127.0.0.1:" + e.port() + "/seen"));
        assertInstanceOf(ConnectRefusedException.class, t);
        assertTrue(t.getMessage().startsWith("connection to proxy http://127.0.0.1:" + port + " (for http://127.0.0.1:"
                + e.port() + ") refused"), t.getMessage());
    }

    /** Hand-written proxies that misbehave after TCP: each fails the connect clearly, none hangs. */
    @Test
    void aProxyThatDoesNotAnswerConnectProperlyFailsTheConnect() throws Exception {
        RawServer silent = up.raw((sock, n) -> {
            RawServer.readRequest(sock.getInputStream());
            sock.getInputStream().read(); // never answers; waits for the client to give up
        });
        HttpClient c = up.client(HttpClient.builder().proxy(silent.url()).connectTimeoutMs(300));
        Throwable t = failure(c.get("https://origin.invalid:8443/"));
        assertInstanceOf(ConnectTimeoutException.class, t);
        assertEquals("proxy " + silent.url() + " did not open the tunnel to https://origin.invalid:8443 within 300 ms "
                + "(the connect timeout)", t.getMessage());

        RawServer garbage = up.raw((sock, n) -> {
            RawServer.readRequest(sock.getInputStream());
            sock.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n\r\n".getBytes());
        });
        ProxyConnectException p = assertInstanceOf(ProxyConnectException.class, failure(
                up.client(HttpClient.builder().proxy(garbage.url())).get("https://origin.invalid/")));
        assertEquals(-1, p.status());
        assertTrue(p.getMessage().endsWith("its answer to CONNECT is no HTTP/1.1 status line: \"SSH-2.0-OpenSSH_9.2\""),
                p.getMessage());

        RawServer early = up.raw((sock, n) -> {
            RawServer.readRequest(sock.getInputStream());
            sock.getOutputStream().write("HTTP/1.1 200 OK\r\n\r\nnot TLS".getBytes());
            sock.getInputStream().read();
        });
        p = assertInstanceOf(ProxyConnectException.class, failure(
                up.client(HttpClient.builder().proxy(early.url())).get("https://origin.invalid/")));
        assertTrue(p.getMessage().endsWith("it sent 7 bytes after its 2xx answer to CONNECT, before TLS began"),
                p.getMessage());

        RawServer closing = up.raw((sock, n) -> RawServer.readRequest(sock.getInputStream()));
        p = assertInstanceOf(ProxyConnectException.class, failure(
                up.client(HttpClient.builder().proxy(closing.url())).get("https://origin.invalid/")));
        assertTrue(p.getMessage().endsWith("it closed the connection without answering CONNECT"), p.getMessage());
    }

    @Test
    void aProxyUrlThatCannotBeUsedFailsWhenTheClientIsMade() {
        assertEquals("client.proxy: proxy scheme \"socks5\" is not supported (only http:// proxies, which tunnel "
                + "https:// requests with CONNECT)", assertThrows(IllegalArgumentException.class,
                () -> HttpClient.builder().proxy("socks5://127.0.0.1:1080").build()).getMessage());
        assertEquals("client.proxy: port \"99999\" of the proxy URL \"http://***@proxy:99999\" is not from 1 to 65535",
                assertThrows(IllegalArgumentException.class,
                        () -> HttpClient.builder().proxy("http://user:secret@proxy:99999").build()).getMessage());
        assertEquals("HTTPS_PROXY: no host in the proxy URL \"http://:8080\"", assertThrows(IllegalArgumentException.class,
                () -> HttpClient.builder().proxyFromEnvironment(Map.of("HTTPS_PROXY", "http://:8080")).build())
                .getMessage());
        assertEquals("http_proxy: \"bad host\" is not a host name in the proxy URL \"http://bad host:1\"",
                assertThrows(IllegalArgumentException.class, () -> HttpClient.builder()
                        .proxyFromEnvironment(Map.of("http_proxy", "http://bad host:1")).build()).getMessage());
        assertEquals("proxy: a proxy URL has no path, query or fragment: \"http://p:1/x\"",
                assertThrows(IllegalArgumentException.class, () -> ClientConfig.named("api").withProxy("http://p:1/x",
                        null)).getMessage());
    }

    @Test
    void theEnvironmentsProxiesAndNoProxy() throws Exception {
        HttpEngine e = origin(false);
        Tinyproxy proxy = tinyproxy();
        Map<String, String> env = new HashMap<>();
        env.put("http_proxy", proxy.url()); // the lower-case name, as curl and reqwest read it too
        env.put("NO_PROXY", "example.com, localhost");
        HttpClient c = up.client(HttpClient.builder().proxyFromEnvironment(env));
        env.clear(); // read once, when the client was made
        assertTrue(c.get("http://127.0.0.1:" + e.port() + "/seen").join().text().startsWith("via=1.1 siphon-test-proxy"));
        // NO_PROXY: localhost goes direct, in a pool of its own
        assertEquals("via=null host=localhost:" + e.port() + " tls=none",
                c.get("http://localhost:" + e.port() + "/seen").join().text());
        assertEquals(1, proxy.requestLines().size());
        assertEquals(2, c.origins());

        // an upper-case name that is set wins, even empty (then: no proxy), as in reqwest
        HttpClient direct = up.client(HttpClient.builder().proxyFromEnvironment(
                Map.of("HTTP_PROXY", "", "http_proxy", proxy.url())));
        assertEquals("via=null host=127.0.0.1:" + e.port() + " tls=none",
                direct.get("http://127.0.0.1:" + e.port() + "/seen").join().text());
        // ALL_PROXY covers what HTTP_PROXY does not set
        HttpClient all = up.client(HttpClient.builder().proxyFromEnvironment(Map.of("ALL_PROXY", proxy.url())));
        assertTrue(all.get("http://127.0.0.1:" + e.port() + "/seen").join().text().startsWith("via=1.1 siphon"));
        // HTTPS_PROXY does not apply to http:// targets
        HttpClient https = up.client(HttpClient.builder().proxyFromEnvironment(Map.of("HTTPS_PROXY", proxy.url())));
        assertEquals("via=null host=127.0.0.1:" + e.port() + " tls=none",
                https.get("http://127.0.0.1:" + e.port() + "/seen").join().text());
        assertEquals(2, proxy.requestLines().size());
    }

    @Test
    void credentialsInTheProxyUrlGoAsProxyAuthorizationBasic() throws Exception {
        HttpEngine plain = origin(false);
        HttpEngine tls = origin(true);
        Tinyproxy proxy = tinyproxy("BasicAuth alice s3cret", "ConnectPort " + tls.port());
        HttpClient without = up.client(HttpClient.builder().proxy(proxy.url()).verify(pki.file("ca.pem")));
        assertEquals(407, without.get("http://127.0.0.1:" + plain.port() + "/seen").join().status());
        ProxyConnectException p = assertInstanceOf(ProxyConnectException.class,
                failure(without.get("https://127.0.0.1:" + tls.port() + "/seen")));
        assertEquals(407, p.status());
        String authed = "http://alice:s%33cret@127.0.0.1:" + proxy.port; // percent-decoded ("%33" is "3"), as reqwest does
        HttpClient with = up.client(HttpClient.builder().proxy(authed).verify(pki.file("ca.pem")));
        assertEquals(200, with.get("http://127.0.0.1:" + plain.port() + "/seen").join().status());
        assertEquals(200, with.get("https://127.0.0.1:" + tls.port() + "/seen").join().status());
        assertTrue(!with.settings().proxies().toString().contains("cret"), with.settings().proxies().toString());
    }

    @Test
    void noProxyMatchesAsReqwestDoes() {
        ProxyRules r = ProxyRules.of("http://p:1", "example.com, .internal, 10.0.0.0/8, ::1, 192.168.1.7,"
                + " localhost:8080, [fe80::1]:443, BIG.Example.ORG", "t");
        assertTrue(r.bypassed("example.com", 80));
        assertTrue(r.bypassed("api.example.com", 443));
        assertTrue(!r.bypassed("notexample.com", 80));
        assertTrue(r.bypassed("internal", 80)); // ".internal" and "internal" are the same entry
        assertTrue(r.bypassed("a.b.internal", 80));
        assertTrue(r.bypassed("10.20.30.40", 80));
        assertTrue(!r.bypassed("11.0.0.1", 80));
        assertTrue(r.bypassed("::1", 80));
        assertTrue(r.bypassed("192.168.1.7", 80));
        assertTrue(!r.bypassed("192.168.1.8", 80));
        assertTrue(r.bypassed("localhost", 8080));
        assertTrue(!r.bypassed("localhost", 8081)); // an entry with a port matches that port only
        assertTrue(r.bypassed("fe80::1", 443));
        assertTrue(r.bypassed("www.big.example.org", 80)); // case-insensitive
        assertTrue(!r.bypassed("10.example.com.evil", 80));
        ProxyRules star = ProxyRules.of("http://p:1", " * ", "t");
        assertTrue(star.bypassed("anything.at.all", 1) && star.bypassed("127.0.0.1", 1));
        // a CGI program ignores the variables (httpoxy), as reqwest
        assertEquals("direct", ProxyRules.fromEnvironment(Map.of("REQUEST_METHOD", "GET", "HTTP_PROXY", "http://p:1"))
                .toString());
        assertEquals("direct", ProxyRules.fromEnvironment(Map.of()).toString());
    }
}
