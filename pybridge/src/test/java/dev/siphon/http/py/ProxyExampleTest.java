package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * examples/proxy.py with examples/proxy.yaml, run by the real launcher (bin/siphon-http) and
 * driven by curl, in front of a real upstream: this engine with one Java echo route.
 */
class ProxyExampleTest {
    static final Path PROXY_YAML = LauncherTest.EXAMPLES.resolve("proxy.yaml");
    static final Path PROXY_PY = LauncherTest.EXAMPLES.resolve("proxy.py");

    /**
     * How the proxy talks to its upstream: the environment the example's yaml reads, and the
     * protocol version the upstream must see. HTTPS (verify) and mutual TLS (cert/key) upstreams
     * join here once the TLS client lands: a constant whose {@link #env} starts the upstream with
     * TLS and names an http.yaml that adds {@code verify}/{@code cert} to the client.
     */
    enum Upstream {
        HTTP_1_1("HTTP/1.1", Map.of()),
        H2C("HTTP/2", Map.of("UPSTREAM_H2C", "true"));

        final String version;
        final Map<String, String> env;

        Upstream(String version, Map<String, String> env) {
            this.version = version;
            this.env = env;
        }
    }

    /** Echoes what arrived, one "key=value" per line; answers the status asked in x-want-status. */
    static HttpEngine echoUpstream() throws Exception {
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
                    + "length=" + req.body().length + "\n"
                    + "body=" + new String(req.body(), StandardCharsets.ISO_8859_1);
            String want = req.header("x-want-status");
            return Response.of(want == null ? 200 : Integer.parseInt(want), text.getBytes(StandardCharsets.ISO_8859_1))
                    .header("content-type", "application/x-echo")
                    .header("x-upstream-only", "not relayed");
        };
        List<String> methods = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
        return HttpEngine.builder()
                .listen(ServerConfig.listen("127.0.0.1:0"))
                .settings(EngineSettings.defaults().withIoLoops(1))
                .route(methods, "/", echo)
                .route(methods, "/{*rest}", echo)
                .start();
    }

    static Map<String, String> lines(String body) {
        Map<String, String> m = new HashMap<>();
        for (String l : body.split("\n", 10)) {
            int eq = l.indexOf('=');
            m.put(l.substring(0, eq), l.substring(eq + 1));
        }
        return m;
    }

    @ParameterizedTest
    @EnumSource(Upstream.class)
    void proxiesEveryMethodPathQueryBodyAndStatus(Upstream mode, @TempDir Path dir) throws Exception {
        HttpEngine upstream = echoUpstream();
        String upstreamUrl = "http://127.0.0.1:" + upstream.port();
        Map<String, String> env = new HashMap<>(mode.env);
        env.put("UPSTREAM_URL", upstreamUrl);
        env.put("SIPHON_LISTEN", "127.0.0.1:0");
        try (Launched proxy = Launched.start(env, "--config", PROXY_YAML.toString(), "--script", PROXY_PY.toString())) {
            String base = proxy.base;

            Curl.Result get = Curl.run("-H", "X-Custom: c1", "-H", "Connection: x-secret", "-H", "X-Secret: s",
                    base + "/a/b%20c?x=1&x=2&y=%C3%A9");
            assertEquals(200, get.status(), get.body());
            Map<String, String> g = lines(get.body());
            assertEquals("GET", g.get("method"));
            assertEquals("/a/b%20c?x=1&x=2&y=%C3%A9", g.get("target"), "path and query as received");
            assertEquals(mode.version, g.get("version"));
            assertEquals("127.0.0.1:" + upstream.port(), g.get("host"), "Host is the upstream's");
            assertEquals("127.0.0.1", g.get("xff"));
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
