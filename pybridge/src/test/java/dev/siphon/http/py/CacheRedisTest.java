package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.CacheConfig;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts' named caches against a real redis-server (started here, on a free port): what two
 * worker contexts see, values and TTLs on Redis, the list calls, a local cache's bounds, and Redis
 * going away and coming back under load.
 */
class CacheRedisTest {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    record Answer(int status, String worker, long ms, String body) {}

    static Answer eval(String base, String expr) throws Exception {
        return eval(base, expr, "");
    }

    static Answer eval(String base, String expr, String worker) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/eval"))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(expr));
        if (!worker.isEmpty()) {
            b.header("X-Want-Worker", worker);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.headers().firstValue("x-worker").orElse(""),
                Long.parseLong(r.headers().firstValue("x-ms").orElse("-1")), r.body());
    }

    /** {@code expr}'s answer from worker {@code worker} (requests go round the workers). */
    static Answer evalOn(String base, String worker, String expr) throws Exception {
        for (int i = 0; i < 50; i++) {
            Answer a = eval(base, expr, worker); // another worker answers 421 without running expr
            if (a.status() != 421) {
                return a;
            }
        }
        throw new AssertionError("worker " + worker + " never answered");
    }

    static String ok(String base, String expr) throws Exception {
        Answer a = eval(base, expr);
        assertEquals(200, a.status(), expr + " -> " + a.body());
        return a.body();
    }

    static List<CacheConfig> caches(Path dir, String yaml) throws Exception {
        return CacheConfig.parse(yaml, "siphon.yaml", dir, System::getenv);
    }

    static PythonServer server(List<CacheConfig> caches, int workers) throws Exception {
        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                engine:
                  workers: %d
                """.formatted(workers), "http.yaml", System::getenv);
        PythonServer s = PythonServer.start(config, Scripts.path("cache_eval.py"), caches, 1024, b -> { });
        s.awaitWorkers();
        return s;
    }

    @Test
    void twoWorkersShareRedisValuesTtlsListsAndCounters(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(dir)) {
            List<CacheConfig> caches = caches(dir, """
                    cache:
                      - name: meta
                      - name: shared
                        url: redis://127.0.0.1:%d/3
                      - name: tiered
                        url: redis://127.0.0.1:%d/3
                        local_ttl_secs: 1
                        local_max_entries: 100
                    """.formatted(redis.port, redis.port));
            try (PythonServer s = server(caches, 2)) {
                String base = "http://127.0.0.1:" + s.port();
                assertEquals(200, evalOn(base, "1", "cache.store('shared', 'k', 'from 1')").status());
                assertEquals("'from 1'", evalOn(base, "2", "cache.fetch('shared', 'k')").body());
                // really in Redis, database 3, as plain text
                assertEquals("from 1", redis.command(null, "SELECT", "3").equals("+OK") ? selectGet(redis, "k") : "?");

                // every kind round-trips through Redis as it does locally
                HttpResponse<String> all = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/roundtrip/shared")).build(),
                        HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> local = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/roundtrip/meta")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, all.statusCode(), all.body());
                assertEquals(local.body(), all.body());
                assertTrue(!all.body().contains("False"), all.body());

                // the API's answers
                assertEquals("False", ok(base, "cache.store('nope', 'k', 'v')"));
                assertEquals("None", ok(base, "cache.fetch('nope', 'k')"));
                assertEquals("'d'", ok(base, "cache.fetch('nope', 'k', 'd')"));
                assertEquals("False", ok(base, "cache.has_cache('nope')"));
                assertEquals("True", ok(base, "cache.has_cache('shared')"));
                assertEquals("None", ok(base, "cache.list_push('nope', 'q', 'x')"));
                assertEquals("[]", ok(base, "cache.list_pop_all('nope', 'q')"));
                assertEquals("True", ok(base, "cache.exists('shared', 'k')"));
                assertEquals("True", ok(base, "cache.delete('shared', 'k')"));
                assertEquals("True", ok(base, "cache.delete('shared', 'k')")); // siphon's: the cache exists
                assertEquals("False", ok(base, "cache.exists('shared', 'k')"));
                assertEquals("False", ok(base, "cache.delete('nope', 'k')"));
                assertTrue(eval(base, "cache.fetch('shared', 'siphon:x')").body().startsWith("ValueError"));

                // incr is atomic across both workers: 200 concurrent increments
                List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    fs.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(base + "/eval"))
                            .POST(HttpRequest.BodyPublishers.ofString("cache.incr('shared', 'n')")).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                Set<String> seen = new HashSet<>();
                for (var f : fs) {
                    assertTrue(seen.add(f.get().body()), "repeated " + f.get().body());
                }
                assertEquals("200", ok(base, "cache.fetch('shared', 'n')"));
                assertEquals("190", ok(base, "cache.incr('shared', 'n', -10)"));
                ok(base, "cache.store('shared', 's', 'text')");
                assertTrue(eval(base, "cache.incr('shared', 's')").body().startsWith("TypeError"));

                // keys: SCAN with the prefix taken literally
                ok(base, "cache.store('shared', 'a*1', 1)");
                ok(base, "cache.store('shared', 'a*2', 2)");
                ok(base, "cache.store('shared', 'ab', 3)");
                assertEquals("['a*1', 'a*2']", ok(base, "cache.keys('shared', 'a*')"));

                // TTLs on Redis
                ok(base, "cache.store('shared', 'brief', 'x', ttl=0.3)");
                assertEquals("'x'", evalOn(base, "2", "cache.fetch('shared', 'brief')").body());
                Thread.sleep(500);
                assertEquals("None", evalOn(base, "1", "cache.fetch('shared', 'brief')").body());
                ok(base, "cache.store('shared', 'later', 'x')");
                assertEquals("True", ok(base, "cache.expire('shared', 'later', 0.3)"));
                assertEquals("False", ok(base, "cache.expire('shared', 'absent', 5)"));
                Thread.sleep(500);
                assertEquals("False", ok(base, "cache.exists('shared', 'later')"));

                // lists
                assertEquals("1", evalOn(base, "1", "cache.list_push('shared', 'q:1', 'a')").body());
                assertEquals("2", evalOn(base, "2", "cache.list_push('shared', 'q:1', 'b')").body());
                assertEquals("1", ok(base, "cache.list_push('shared', 'q:2', 'c')"));
                assertEquals("2", ok(base, "cache.list_len('shared', 'q:1')"));
                assertEquals("0", ok(base, "cache.list_len('shared', 'q:none')"));
                assertEquals("3", ok(base, "cache.list_len_sum('shared', 'q:')"));
                assertTrue(eval(base, "cache.list_len_sum('shared', '')").body().startsWith("ValueError"));
                assertEquals("['a', 'b']", ok(base, "cache.list_pop_all('shared', 'q:1')"));
                assertEquals("[]", ok(base, "cache.list_pop_all('shared', 'q:1')"));
                assertTrue(eval(base, "cache.list_push('shared', 's', 'x')").body().startsWith("TypeError"));
                assertTrue(eval(base, "cache.fetch('shared', 'q:2')").body().startsWith("TypeError"));

                // the local tier in front of Redis: a hit is served locally until local_ttl_secs
                ok(base, "cache.store('tiered', 't', 'v1')");
                evalOn(base, "1", "cache.fetch('tiered', 't')");
                evalOn(base, "2", "cache.fetch('tiered', 't')");
                assertEquals("+OK", redis.command(null, "SET", "t", "v2")); // db 0: not what the tier sees
                selectSet(redis, "t", "v2");
                assertEquals("'v1'", ok(base, "cache.fetch('tiered', 't')"));
                Thread.sleep(1200);
                assertEquals("'v2'", ok(base, "cache.fetch('tiered', 't')"));
            }
        }
    }

    private static String selectGet(RedisServer r, String key) throws Exception {
        return rawPipeline(r, "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nGET\r\n$" + key.length() + "\r\n" + key + "\r\n");
    }

    private static void selectSet(RedisServer r, String key, String value) throws Exception {
        rawPipeline(r, "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$" + key.length() + "\r\n" + key + "\r\n$"
                + value.length() + "\r\n" + value + "\r\n");
    }

    /** Sends SELECT 3 and a command; returns the last line of the replies. */
    private static String rawPipeline(RedisServer r, String commands) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", r.port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(commands.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream()));
            assertEquals("+OK", in.readLine());
            String line = in.readLine();
            return line.startsWith("$") ? in.readLine() : line;
        }
    }

    @Test
    void aLocalCacheStaysWithinItsCapAndHonoursTtls(@TempDir Path dir) throws Exception {
        List<CacheConfig> caches = caches(dir, """
                cache:
                  - name: meta
                  - name: small
                    local_max_entries: 50
                  - name: brief
                    local_ttl_secs: 1
                """);
        try (PythonServer s = server(caches, 1)) {
            String base = "http://127.0.0.1:" + s.port();
            ok(base, "__import__('asyncio').gather(*[cache.store('small', f'k{i}', i) for i in range(5000)])");
            assertEquals(50, s.pool().caches().localSize("small"));
            assertEquals("4999", ok(base, "cache.fetch('small', 'k4999')"));
            assertEquals("None", ok(base, "cache.fetch('small', 'k0')"));
            assertEquals(50, Integer.parseInt(ok(base, "cache.keys('small')").split(",").length + ""));
            // a per-store ttl, and local_ttl_secs capping entries stored without one
            ok(base, "cache.store('small', 'brief', 'x', ttl=0.2)");
            ok(base, "cache.store('brief', 'forever', 'x')");
            assertEquals("'x'", ok(base, "cache.fetch('brief', 'forever')"));
            Thread.sleep(1100);
            assertEquals("None", ok(base, "cache.fetch('small', 'brief')"));
            assertEquals("None", ok(base, "cache.fetch('brief', 'forever')"));
            // list calls on a local cache
            assertEquals("1", ok(base, "cache.list_push('small', 'q', 'a')"));
            assertEquals("['a']", ok(base, "cache.list_pop_all('small', 'q')"));
            assertEquals("False", ok(base, "cache.has_cache('undeclared')"));
            assertTrue(eval(base, "cache.store('small', 'k', 'v', ttl=float('inf'))").body().startsWith("ValueError"));
            assertTrue(eval(base, "cache.store('small', 'k', 'v', ttl=0)").body().startsWith("ValueError"));
            assertTrue(eval(base, "cache.store('small', 'k', object())").body().startsWith("TypeError"));
        }
    }

    /**
     * Redis killed and restarted while requests keep coming: while it is down every call fails
     * at once with cache.CacheError naming the cache and the address; once it is back calls
     * succeed again; no request hangs.
     */
    @Test
    void redisRestartedUnderLoadFailsFastAndRecovers(@TempDir Path dir) throws Exception {
        try (RedisServer redis = RedisServer.start(dir)) {
            List<CacheConfig> caches = caches(dir, """
                    cache:
                      - name: meta
                      - name: r
                        url: redis://127.0.0.1:%d
                        timeout_ms: 3000
                    """.formatted(redis.port));
            try (PythonServer s = server(caches, 2)) {
                String base = "http://127.0.0.1:" + s.port();
                assertEquals("True", ok(base, "cache.store('r', 'k', 'v')"));
                AtomicBoolean stop = new AtomicBoolean();
                AtomicBoolean measuring = new AtomicBoolean();
                Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
                List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
                AtomicInteger slowest = new AtomicInteger();
                CountDownLatch done = new CountDownLatch(4);
                for (int t = 0; t < 4; t++) {
                    Thread.ofPlatform().start(() -> {
                        try {
                            while (!stop.get()) {
                                long t0 = System.nanoTime();
                                Answer a = eval(base, "cache.incr('r', 'load')");
                                int took = (int) ((System.nanoTime() - t0) / 1_000_000);
                                if (measuring.get()) { // not the first requests, while the JIT warms up
                                    slowest.accumulateAndGet(took, Math::max);
                                }
                                if (a.ms() > 1500) {
                                    errors.add("took " + took + " ms, " + a.ms() + " ms in the handler: " + a.body());
                                }
                                String kind = a.status() == 200 ? "ok" : a.body().split(":")[0];
                                outcomes.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
                                if (a.status() != 200 && errors.size() < 5) {
                                    errors.add(a.body());
                                }
                            }
                        } catch (Exception e) {
                            errors.add("request failed: " + e);
                        } finally {
                            done.countDown();
                        }
                    });
                }
                Thread.sleep(3000);
                measuring.set(true);
                redis.stop();
                Thread.sleep(1500);
                Answer down = eval(base, "cache.fetch('r', 'k')");
                assertEquals(503, down.status(), down.body());
                assertTrue(down.body().startsWith("CacheError: cache r: Redis at redis://127.0.0.1:" + redis.port + "/0"),
                        down.body());
                // at once, not after the 3 s timeout (the bound allows for a loaded machine)
                assertTrue(down.ms() < 1500, "a call while Redis is down took " + down.ms() + " ms: " + down.body());
                redis.start();
                long deadline = System.nanoTime() + 10_000_000_000L;
                Answer back;
                do {
                    Thread.sleep(100);
                    back = eval(base, "cache.store('r', 'k', 'again')");
                } while (back.status() != 200 && System.nanoTime() < deadline);
                assertEquals(200, back.status(), back.body());
                Thread.sleep(500);
                stop.set(true);
                assertTrue(done.await(30, java.util.concurrent.TimeUnit.SECONDS), "a request hung");
                assertTrue(outcomes.containsKey("ok") && outcomes.containsKey("CacheError"), outcomes + " " + errors);
                assertEquals(Set.of("ok", "CacheError"), outcomes.keySet(), outcomes + " " + errors);
                assertTrue(slowest.get() < 15_000, "slowest request " + slowest.get() + " ms " + errors);
                assertTrue(errors.stream().allMatch(e -> e.startsWith("took") || e.contains("cache r: Redis at redis://127.0.0.1:" + redis.port)),
                        errors.toString());
                // both workers work again
                assertEquals("'again'", evalOn(base, "1", "cache.fetch('r', 'k')").body());
                assertEquals("'again'", evalOn(base, "2", "cache.fetch('r', 'k')").body());
                // the Redis commands on /metrics, by cache, command and outcome
                String metrics = s.pool().metrics().scrape(dev.siphon.http.metrics.Exposition.PROMETHEUS_TEXT);
                assertTrue(metrics.contains("siphon_cache_redis_commands_total{cache=\"r\",command=\"INCRBY\",outcome=\"ok\"}"),
                        metrics);
                assertTrue(metrics.contains("siphon_cache_redis_commands_total{cache=\"r\",command=\"INCRBY\",outcome=\"unavailable\"}"),
                        metrics);
                assertTrue(metrics.contains("siphon_cache_redis_duration_seconds_count{cache=\"r\",command=\"GET\"}"), metrics);
                assertTrue(!metrics.contains("cache=\"meta\""), "a local cache's calls are not Redis commands");
            }
        }
    }

    /** Redis not running at start-up: the server starts and serves, a cache call fails clearly, and works once Redis is up. */
    @Test
    void redisUnreachableAtStartIsNotFatal(@TempDir Path dir) throws Exception {
        int port = RedisServer.freePort();
        List<CacheConfig> caches = caches(dir, """
                cache:
                  - name: meta
                  - name: r
                    url: redis://127.0.0.1:%d
                """.formatted(port));
        try (PythonServer s = server(caches, 1)) {
            String base = "http://127.0.0.1:" + s.port();
            assertEquals("'up'", ok(base, "__import__('asyncio').sleep(0, 'up')"));
            Answer a = eval(base, "cache.fetch('r', 'k')");
            assertEquals(503, a.status());
            assertTrue(a.body().startsWith("CacheError: cache r: Redis at redis://127.0.0.1:" + port + "/0: "), a.body());
        }
    }
}
