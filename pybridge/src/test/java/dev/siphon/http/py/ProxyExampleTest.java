package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import dev.siphon.http.tls.TestPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * examples/proxy.py with examples/proxy.yaml, run by the real launcher (bin/siphon-http) and
 * driven by curl, in front of a real upstream: this engine with one Java echo route, over
 * cleartext (HTTP/1.1, h2c), HTTPS with a custom CA, and mutual TLS (cert and key, or one
 * combined PEM). Certificates come from the tls module's {@link TestPki}.
 */
class ProxyExampleTest {
    static final Path PROXY_YAML = LauncherTest.EXAMPLES.resolve("proxy.yaml");
    static final Path PROXY_PY = LauncherTest.EXAMPLES.resolve("proxy.py");

    /**
     * How the proxy talks to its upstream: the environment the example's yaml reads, the TLS the
     * upstream listener has, the keys added to the yaml's {@code clients.upstream} (files of the
     * test PKI), and what the upstream must see: the protocol version and the client certificate.
     */
    enum Upstream {
        HTTP_1_1("HTTP/1.1", Map.of(), UpstreamTls.NONE, Map.of(), "none"),
        H2C("HTTP/2", Map.of("UPSTREAM_H2C", "true"), UpstreamTls.NONE, Map.of(), "none"),
        /** a custom CA: HTTP/2, chosen by ALPN */
        HTTPS("HTTP/2", Map.of(), UpstreamTls.SERVER, Map.of("verify", "ca.pem"), "none"),
        MTLS_CERT_AND_KEY("HTTP/2", Map.of(), UpstreamTls.MUTUAL,
                Map.of("verify", "ca.pem", "cert", "alice.pem", "key", "alice.key"), "O=siphon tests,CN=alice"),
        MTLS_COMBINED_PEM("HTTP/2", Map.of(), UpstreamTls.MUTUAL,
                Map.of("verify", "ca.pem", "cert", "bob-combined.pem"), "O=siphon tests,CN=bob");

        final String version;
        final Map<String, String> env;
        final UpstreamTls tls;
        final Map<String, String> clientFiles;
        final String clientCert;

        Upstream(String version, Map<String, String> env, UpstreamTls tls, Map<String, String> clientFiles,
                 String clientCert) {
            this.version = version;
            this.env = env;
            this.tls = tls;
            this.clientFiles = clientFiles;
            this.clientCert = clientCert;
        }
    }

    enum UpstreamTls {
        NONE, SERVER, MUTUAL;

        ServerConfig listener() {
            ServerConfig l = ServerConfig.listen("127.0.0.1:0");
            return switch (this) {
                case NONE -> l;
                case SERVER -> l.withTls(new TlsConfig(pki.file("server.pem"), pki.file("server.key"), null));
                case MUTUAL -> l.withTls(new TlsConfig(pki.file("server.pem"), pki.file("server.key"),
                        pki.file("ca.pem")));
            };
        }

        String url(HttpEngine e) {
            return (this == NONE ? "http" : "https") + "://127.0.0.1:" + e.port();
        }
    }

    static TestPki pki;

    @BeforeAll
    static void pki() throws Exception {
        pki = TestPki.get();
        Files.writeString(pki.file("bob-combined.pem"),
                Files.readString(pki.file("bob.pem")) + Files.readString(pki.file("bob.key")));
    }

    /**
     * examples/proxy.yaml itself when {@code clientFiles} is empty; otherwise a copy in {@code dir}
     * with these keys (verify, cert, key: file names of the test PKI) added to
     * {@code clients.upstream}, as its comment tells users to do for an HTTPS upstream.
     */
    static Path proxyYaml(Path dir, Map<String, String> clientFiles) throws Exception {
        if (clientFiles.isEmpty()) {
            return PROXY_YAML;
        }
        String yaml = Files.readString(PROXY_YAML);
        String last = "    http2_prior_knowledge: ${UPSTREAM_H2C:-false}\n";
        assertTrue(yaml.endsWith(last), "clients.upstream is the last mapping of examples/proxy.yaml");
        StringBuilder b = new StringBuilder(yaml);
        for (String key : List.of("verify", "cert", "key")) {
            if (clientFiles.containsKey(key)) {
                b.append("    ").append(key).append(": \"").append(pki.file(clientFiles.get(key))).append("\"\n");
            }
        }
        return Files.writeString(dir.resolve("proxy.yaml"), b);
    }

    /** Echoes what arrived, one "key=value" per line; answers the status asked in x-want-status. */
    static HttpEngine echoUpstream(UpstreamTls tls) throws Exception {
        dev.siphon.http.Handler echo = req -> {
            String q = req.rawQuery();
            String text = "method=" + req.method() + "\n"
                    + "target=" + req.path() + (q == null ? "" : "?" + q) + "\n"
                    + "version=" + req.version() + "\n"
                    + "host=" + req.header("host") + "\n"
                    + "xff=" + req.header("x-forwarded-for") + "\n"
                    + "xfproto=" + req.header("x-forwarded-proto") + "\n"
                    + "custom=" + req.header("x-custom") + "\n"
                    + "secret=" + req.header("x-secret") + "\n"
                    + "alpn=" + (req.tls() == null ? "none" : req.tls().applicationProtocol()) + "\n"
                    + "client=" + (req.clientCert() == null ? "none" : req.clientCert().subject()) + "\n"
                    + "length=" + req.body().length + "\n"
                    + "body=" + new String(req.body(), StandardCharsets.ISO_8859_1);
            String want = req.header("x-want-status");
            return Response.of(want == null ? 200 : Integer.parseInt(want), text.getBytes(StandardCharsets.ISO_8859_1))
                    .header("content-type", "application/x-echo")
                    .header("x-upstream-only", "not relayed");
        };
        List<String> methods = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
        return HttpEngine.builder()
                .listen(tls.listener())
                .settings(EngineSettings.defaults().withIoLoops(1))
                .route(methods, "/", echo)
                .route(methods, "/{*rest}", echo)
                .start();
    }

    static Map<String, String> lines(String body) {
        Map<String, String> m = new HashMap<>();
        for (String l : body.split("\n", 12)) {
            int eq = l.indexOf('=');
            m.put(l.substring(0, eq), l.substring(eq + 1));
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void proxiesEveryMethodPathQueryBodyAndStatus(Upstream mode, @TempDir Path dir) throws Exception {
        HttpEngine upstream = echoUpstream(mode.tls);
        Map<String, String> env = new HashMap<>(mode.env);
        env.put("UPSTREAM_URL", mode.tls.url(upstream));
        env.put("SIPHON_LISTEN", "127.0.0.1:0");
        Path yaml = proxyYaml(dir, mode.clientFiles);
        try (Launched proxy = Launched.start(env, "--config", yaml.toString(), "--script", PROXY_PY.toString())) {
            String base = proxy.base;

            Curl.Result get = Curl.run("-H", "X-Custom: c1", "-H", "Connection: x-secret", "-H", "X-Secret: s",
                    base + "/a/b%20c?x=1&x=2&y=%C3%A9");
            assertEquals(200, get.status(), get.body());
            Map<String, String> g = lines(get.body());
            assertEquals("GET", g.get("method"));
            assertEquals("/a/b%20c?x=1&x=2&y=%C3%A9", g.get("target"), "path and query as received");
            assertEquals(mode.version, g.get("version"));
            assertEquals(mode.tls == UpstreamTls.NONE ? "none" : "h2", g.get("alpn"), "HTTP/2 over TLS by ALPN");
            assertEquals(mode.clientCert, g.get("client"), "the client certificate the upstream verified");
            assertEquals("127.0.0.1:" + upstream.port(), g.get("host"), "Host is the upstream's");
            assertEquals("127.0.0.1", g.get("xff"));
            Curl.Result forged = Curl.run("-H", "X-Forwarded-For: 6.6.6.6", base + "/forged");
            assertEquals("127.0.0.1", lines(forged.body()).get("xff"),
                    "X-Forwarded-For is the address the proxy saw; the client's own is not forwarded");
            assertEquals("http", g.get("xfproto"));
            assertEquals("c1", g.get("custom"), "end-to-end headers go upstream");
            assertEquals("null", g.get("secret"), "a field named in Connection is hop-by-hop (RFC 9110 §7.6.1)");
            assertEquals("application/x-echo", get.header("content-type"), "content-type comes back");
            assertNull(get.header("x-upstream-only"));

            Path big = dir.resolve("big.bin");
            byte[] bytes = new byte[200_000];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) ('a' + i % 26);
            }
            Files.write(big, bytes);
            Curl.Result post = Curl.run("-X", "POST", "--data-binary", "@" + big, base + "/upload");
            assertEquals(200, post.status());
            assertEquals("200000", lines(post.body()).get("length"));
            assertTrue(lines(post.body()).get("body").equals(new String(bytes, StandardCharsets.ISO_8859_1)));

            for (String m : List.of("PUT", "PATCH", "DELETE", "OPTIONS")) {
                Curl.Result r = Curl.run("-X", m, "--data-binary", "to " + m, base + "/items/7");
                assertEquals(200, r.status(), m);
                Map<String, String> l = lines(r.body());
                assertEquals(m, l.get("method"));
                assertEquals("to " + m, l.get("body"));
            }

            Curl.Result head = Curl.run("-I", base + "/items/7");
            assertEquals(200, head.status());
            assertEquals("", head.body());

            assertEquals(418, Curl.run("-H", "X-Want-Status: 418", base + "/teapot").status(), "status relayed");
            assertEquals(503, Curl.run("-H", "X-Want-Status: 503", base + "/down").status());
            assertEquals("/", lines(Curl.run(base + "/").body()).get("target"));
            assertEquals("/evil.example/x", lines(Curl.run("--path-as-is", base + "//evil.example/x").body()).get("target"),
                    "a path starting with // stays on the upstream");
            Curl.Result h2in = Curl.run("--http2-prior-knowledge", base + "/in/h2c");
            assertEquals("/in/h2c", lines(h2in.body()).get("target"), "h2c on the proxy's own listener too");

            upstream.close();
            Curl.Result gone = Curl.run(base + "/a");
            assertEquals(502, gone.status(), "an upstream that refuses connections is a bad gateway");
            assertTrue(proxy.err().contains("ConnectError"), proxy.err());
        } finally {
            upstream.close();
        }
    }

    /**
     * The upstream requires a client certificate and the proxy's client has none: the handshake
     * fails, the example answers 502 and logs the TLSError, and the proxy goes on serving.
     */
    @Test
    void anUpstreamRefusingTheHandshakeIsABadGatewayAndTheProxyGoesOn(@TempDir Path dir) throws Exception {
        HttpEngine upstream = echoUpstream(UpstreamTls.MUTUAL);
        Map<String, String> env = Map.of("UPSTREAM_URL", UpstreamTls.MUTUAL.url(upstream), "SIPHON_LISTEN", "127.0.0.1:0");
        Path yaml = proxyYaml(dir, Map.of("verify", "ca.pem"));
        try (Launched proxy = Launched.start(env, "--config", yaml.toString(), "--script", PROXY_PY.toString())) {
            Curl.Result r = Curl.run(proxy.base + "/needs/a/cert");
            assertEquals(502, r.status(), r.body());
            assertEquals("upstream unavailable\n", r.body());
            assertTrue(proxy.err().contains("proxy GET /needs/a/cert: TLSError: ")
                    && proxy.err().contains("requires a client certificate"), proxy.err());
            Curl.Result again = Curl.run("-X", "POST", "--data-binary", "x", proxy.base + "/again");
            assertEquals(502, again.status(), "the worker that caught the TLSError serves the next request");
            assertTrue(proxy.process.isAlive());
            assertEquals(0, upstream.counters().requests(), "nothing got past the handshake");
        } finally {
            upstream.close();
        }
    }

    /** bin/siphon-http running in the background until closed (SIGTERM). */
    static final class Launched implements AutoCloseable {
        final Process process;
        final Path out;
        final Path errFile;
        String base;

        private Launched(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.errFile = err;
        }

        static Launched start(Map<String, String> env, String... args) throws Exception {
            List<String> cmd = new java.util.ArrayList<>();
            cmd.add(LauncherTest.LAUNCHER.toString());
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putAll(env);
            Path out = Files.createTempFile("siphon-out", ".txt");
            Path err = Files.createTempFile("siphon-err", ".txt");
            Launched l = new Launched(pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start(), out, err);
            Pattern listening = Pattern.compile("listening on (http://\\S+)");
            for (int i = 0; i < 1800 && l.base == null && l.process.isAlive(); i++) {
                Matcher m = listening.matcher(Files.readString(out));
                if (m.find()) {
                    l.base = m.group(1);
                } else {
                    Thread.sleep(100);
                }
            }
            if (l.base == null) {
                String e = l.err();
                l.close();
                throw new AssertionError("no listening line; stderr:\n" + e);
            }
            return l;
        }

        String err() throws java.io.IOException {
            return Files.readString(errFile);
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(errFile);
        }
    }
}
