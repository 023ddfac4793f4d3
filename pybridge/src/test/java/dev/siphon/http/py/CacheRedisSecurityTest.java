package dev.siphon.http.py;

import static dev.siphon.http.py.CacheRedisTest.eval;
import static dev.siphon.http.py.CacheRedisTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.CacheConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rediss:// against redis-server's own TLS port (Debian builds redis-server with TLS), with the
 * server's certificate from a CA made here by openssl; AUTH against requirepass and an ACL user;
 * a wrong password failing calls with a clear CacheError; and two launcher processes sharing one
 * Redis through siphon.yaml.
 */
class CacheRedisSecurityTest {

    @Test
    void redissWithAuthAndSelect(@TempDir Path dir) throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Cache Test CA", "-days", "2");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
        openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
        try (RedisServer redis = RedisServer.startTls(dir, dir.resolve("server.pem"), dir.resolve("server.key"),
                dir.resolve("ca.pem"), "--requirepass", "s3cret pass")) {
            List<CacheConfig> caches = CacheConfig.parse("""
                    cache:
                      - name: meta
                      - name: secure
                        url: rediss://:s3cret%%20pass@127.0.0.1:%d/5
                        verify: ca.pem
                      - name: wrongpass
                        url: rediss://:nope@127.0.0.1:%d/5
                        verify: ca.pem
                      - name: untrusted
                        url: rediss://:s3cret%%20pass@127.0.0.1:%d/5
                    """.formatted(redis.port, redis.port, redis.port), "siphon.yaml", dir, System::getenv);
            try (PythonServer s = CacheRedisTest.server(caches, 1)) {
                String base = "http://127.0.0.1:" + s.port();
                assertEquals("True", ok(base, "cache.store('secure', 'k', b'\\x00tls')"));
                assertEquals("b'\\x00tls'", ok(base, "cache.fetch('secure', 'k')"));
                assertEquals("1", ok(base, "cache.list_push('secure', 'q', 'x')"));
                CacheRedisTest.Answer wrong = eval(base, "cache.fetch('wrongpass', 'k')");
                assertEquals(503, wrong.status());
                assertTrue(wrong.body().startsWith("CacheError: cache wrongpass: Redis at rediss://127.0.0.1:" + redis.port
                        + "/5: unavailable: AUTH failed: WRONGPASS"), wrong.body());
                assertTrue(!wrong.body().contains("nope"), wrong.body());
                CacheRedisTest.Answer untrusted = eval(base, "cache.fetch('untrusted', 'k')");
                assertEquals(503, untrusted.status());
                assertTrue(untrusted.body().startsWith("CacheError: cache untrusted: Redis at rediss://127.0.0.1:"
                        + redis.port + "/5: unavailable: TLS handshake with rediss://127.0.0.1:" + redis.port + " failed"),
                        untrusted.body());
            }
        }
    }

    @Test
    void aclUserAndPassword(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(dir, "--user", "default", "off", "--user", "app", "on", ">pw1",
                "~*", "+@all")) {
            List<CacheConfig> caches = CacheConfig.parse("""
                    cache:
                      - name: meta
                      - name: acl
                        url: redis://app:pw1@127.0.0.1:%d
                    """.formatted(redis.port), "siphon.yaml", dir, System::getenv);
            try (PythonServer s = CacheRedisTest.server(caches, 1)) {
                String base = "http://127.0.0.1:" + s.port();
                assertEquals("7", ok(base, "cache.incr('acl', 'n', 7)"));
                assertEquals("7", redis.command("app pw1", "GET", "n"));
                assertTrue(redis.command(null, "GET", "n").startsWith("-NOAUTH"));
            }
        }
    }

    /** Two server processes (bin/siphon-http --siphon-config) see each other's values through one Redis. */
    @Test
    void twoProcessesShareOneRedis(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(dir)) {
            Files.copy(Scripts.path("cache_eval.py"), dir.resolve("app.py"));
            Files.writeString(dir.resolve("http.yaml"), "servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n");
            Path siphon = Files.writeString(dir.resolve("siphon.yaml"), """
                    extensions:
                      http: http.yaml
                    script:
                      path: app.py
                    cache:
                      - name: meta
                      - name: shared
                        url: redis://127.0.0.1:${REDIS_PORT}/1
                    """);
            List<Process> ps = new ArrayList<>();
            try {
                List<String> bases = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    Path out = dir.resolve("out" + i + ".txt");
                    Path err = dir.resolve("err" + i + ".txt");
                    ProcessBuilder pb = new ProcessBuilder(LauncherTest.LAUNCHER.toString(), "--siphon-config", siphon.toString())
                            .redirectOutput(out.toFile()).redirectError(err.toFile());
                    pb.environment().putAll(Map.of("REDIS_PORT", Integer.toString(redis.port)));
                    ps.add(pb.start());
                }
                for (int i = 0; i < 2; i++) {
                    bases.add(LauncherTest.awaitListening(ps.get(i), dir.resolve("out" + i + ".txt"),
                            dir.resolve("err" + i + ".txt")));
                }
                assertEquals("True", ok(bases.get(0), "cache.store('shared', 'from', 'process 0')"));
                assertEquals("'process 0'", ok(bases.get(1), "cache.fetch('shared', 'from')"));
                assertEquals("1", ok(bases.get(1), "cache.incr('shared', 'n')"));
                assertEquals("2", ok(bases.get(0), "cache.incr('shared', 'n')"));
                assertEquals("1", ok(bases.get(1), "cache.list_push('shared', 'q', 'a')"));
                assertEquals("2", ok(bases.get(0), "cache.list_push('shared', 'q', 'b')"));
                assertEquals("['a', 'b']", ok(bases.get(1), "cache.list_pop_all('shared', 'q')"));
            } finally {
                for (Process p : ps) {
                    p.destroy();
                    if (!p.waitFor(60, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                }
            }
        }
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }
}
