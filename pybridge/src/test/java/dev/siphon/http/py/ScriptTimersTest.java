package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.HttpConfig;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.metrics.Exposition;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code from siphon import timer}: {@code @timer.every} jobs and {@code timer.set} one-shots on
 * real servers with two workers, driven by a real HTTP client; the jobs count through
 * {@code cache} (shared by the workers) and a marker file (whose order is the order things
 * happened in).
 */
class ScriptTimersTest {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final LogCapture capture = new LogCapture("siphon.python");
    private final List<String> log = capture.lines();

    @BeforeEach
    void captureLog() {
        capture.start();
    }

    @AfterEach
    void releaseLog() {
        capture.stop();
    }

    static HttpConfig config(String engine) throws Exception {
        return ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                engine:
                  workers: 2
                """ + engine, "timers.yaml", System::getenv);
    }

    /** Two workers, and the client {@code api} of the upstream on {@code port}. */
    static HttpConfig configWithApi(int port) throws Exception {
        return ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                clients:
                  api:
                    base_url: http://127.0.0.1:%d
                engine:
                  workers: 2
                """.formatted(port), "timers.yaml", System::getenv);
    }

    /** A script with {@code mark(text)}, {@code WORKER} (1, 2: numbered by on_startup) and {@code GET /count/{key}}. */
    static Path script(Path dir, Path marks, String body) throws Exception {
        Path p = dir.resolve("timers.py");
        Files.writeString(p, """
                import asyncio
                import time
                from siphon import http, cache, timer

                MARKS = %s


                def mark(text):
                    with open(MARKS, "a") as f:
                        f.write(text + "\\n")


                WORKER = 0


                @http.on_startup
                async def number_the_worker():
                    global WORKER
                    WORKER = await cache.incr("timer-test", "workers")


                @http.route("/count/{key}")
                async def count(req):
                    return http.Response(body=str(await cache.fetch("timer-test", req.path_params["key"], 0)))


                @http.route("/keys/{prefix}")
                async def keys(req):
                    return http.Response(body=" ".join(await cache.keys("timer-test", req.path_params["prefix"])))

                """.formatted(ShutdownHooksTest.pyString(marks)) + body);
        return p;
    }

    static String get(PythonServer s, String path) throws Exception {
        HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + s.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }

    static long count(PythonServer s, String key) throws Exception {
        return Long.parseLong(get(s, "/count/" + key));
    }

    static void await(String what, long timeoutMs, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    static List<String> lines(Path p) {
        try {
            return ShutdownHooksTest.lines(p);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aJobRunsOncePerProcessNotOncePerWorker(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("marks.txt");
        PythonServer server = PythonServer.start(config(""), script(dir, marks, """
                @timer.every(seconds=0.2, name="tick")
                async def tick():
                    await cache.incr("timer-test", "ticks")
                    await cache.incr("timer-test", f"ran-by-{WORKER}")


                @timer.every(0.2)
                def sync_tick():
                    mark(f"sync tick in worker {WORKER}")
                """));
        try {
            assertEquals(2, count(server, "workers"), "both workers serve (and registered both jobs)");
            long t0 = System.nanoTime();
            long before = count(server, "ticks");
            int linesBefore = lines(marks).size();
            Thread.sleep(1200);
            long after = count(server, "ticks");
            int linesAfter = lines(marks).size();
            double periods = (System.nanoTime() - t0) / 1e9 / 0.2;
            long ticks = after - before;
            // one run every 0.2 s after the previous ended: about 6 in 1.2 s; once per worker would be 12
            assertTrue(ticks >= 3 && ticks <= periods + 1, ticks + " runs of tick in " + periods + " periods");
            int syncTicks = linesAfter - linesBefore;
            assertTrue(syncTicks >= 3 && syncTicks <= periods + 1, syncTicks + " runs of sync_tick in " + periods
                    + " periods");
            assertEquals(1, get(server, "/keys/ran-by-").split(" ").length, "one worker ran tick: "
                    + get(server, "/keys/ran-by-"));
            assertEquals(1, new HashSet<>(lines(marks)).size(), "one worker ran sync_tick: " + lines(marks));
            String scrape = server.pool().metrics().scrape(Exposition.PROMETHEUS_TEXT);
            Matcher m = Pattern.compile("siphon_python_timer_runs_total\\{timer=\"tick\"} (\\d+)").matcher(scrape);
            assertTrue(m.find(), scrape);
            assertTrue(Double.parseDouble(m.group(1)) >= ticks, scrape);
            assertTrue(log.stream().anyMatch(l -> l.contains("@timer.every job 'tick' (timers.tick) runs every 200 ms")),
                    log.toString());
        } finally {
            server.close();
        }
    }

    @Test
    void anAsyncJobAwaitsAnOutboundCall(@TempDir Path dir) throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HttpEngine api = HttpEngine.builder()
                .listen(ServerConfig.listen("127.0.0.1:0"))
                .settings(EngineSettings.defaults().withIoLoops(1))
                .route("GET", "/token", req -> Response.text(200, "token-" + hits.incrementAndGet()))
                .start();
        PythonServer server = PythonServer.start(configWithApi(api.port()), script(dir, dir.resolve("m.txt"), """
                api = http.Client("api")


                @timer.every(seconds=0.1, name="refresh-token")
                async def refresh():
                    r = await api.get("/token")
                    await asyncio.sleep(0.01)
                    await cache.store("timer-test", "token", r.body.decode())
                """));
        try {
            await("three token refreshes", 10_000, () -> hits.get() >= 3);
            await("the token stored", 10_000, () -> {
                try {
                    return get(server, "/keys/token").equals("token");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        } finally {
            Scripts.closeCheckingClients(server);
            api.close();
        }
        int n = hits.get();
        Thread.sleep(300);
        assertEquals(n, hits.get(), "no run after the server closed");
    }

    @Test
    void aJobThatRaisesIsLoggedWithItsNameAndKeepsRunning(@TempDir Path dir) throws Exception {
        PythonServer server = PythonServer.start(config(""), script(dir, dir.resolve("m.txt"), """
                @timer.every(seconds=0.1, name="flaky")
                async def flaky():
                    n = await cache.incr("timer-test", "flaky")
                    raise ValueError(f"flaky run {n} failed")
                """));
        try {
            await("four runs", 10_000, () -> {
                try {
                    return count(server, "flaky") >= 4;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            String scrape = server.pool().metrics().scrape(Exposition.PROMETHEUS_TEXT);
            assertTrue(scrape.contains("siphon_python_timer_errors_total{timer=\"flaky\"} "), scrape);
        } finally {
            server.close();
        }
        List<String> errors = log.stream().filter(l -> l.startsWith("SEVERE @timer.every job 'flaky' (timers.flaky) "
                + "raised (worker 0); it runs again in 100 ms")).toList();
        assertTrue(errors.size() >= 3, log.toString());
        assertTrue(errors.get(0).contains("Traceback") && errors.get(0).contains("ValueError: flaky run 1 failed"),
                errors.get(0));
        assertTrue(errors.get(2).contains("ValueError: flaky run 3 failed"), errors.get(2));
    }

    @Test
    void aSlowJobNeverOverlapsItself(@TempDir Path dir) throws Exception {
        PythonServer server = PythonServer.start(config(""), script(dir, dir.resolve("m.txt"), """
                @timer.every(seconds=0.05, name="slow")
                async def slow():
                    if await cache.incr("timer-test", "slow-running") > 1:
                        await cache.incr("timer-test", "slow-overlaps")
                    await asyncio.sleep(0.3)
                    await cache.incr("timer-test", "slow-running", -1)
                    await cache.incr("timer-test", "slow-runs")


                @timer.every(seconds=0.05, name="slow-sync")
                def slow_sync():
                    time.sleep(0.2)  # holds the worker: its next run waits until it ended, plus the period
                    mark(f"{time.monotonic()}")
                """));
        Path marks = dir.resolve("m.txt");
        try {
            long t0 = System.nanoTime();
            long before = count(server, "slow-runs");
            Thread.sleep(1600);
            long runs = count(server, "slow-runs") - before;
            double elapsed = (System.nanoTime() - t0) / 1e9;
            assertEquals(0, count(server, "slow-overlaps"), "a run started while the one before it ran");
            // each run takes 0.3 s and the next starts 0.05 s after it ended: at most ~5 in 1.6 s
            assertTrue(runs >= 2 && runs <= elapsed / 0.35 + 1, runs + " runs in " + elapsed + " s");
            List<String> ends = lines(marks);
            assertTrue(ends.size() >= 2, ends.toString());
            for (int i = 1; i < ends.size(); i++) {
                double gap = Double.parseDouble(ends.get(i)) - Double.parseDouble(ends.get(i - 1));
                assertTrue(gap >= 0.25 - 0.01, "sync runs ended " + gap + " s apart: " + ends);
            }
        } finally {
            server.close();
        }
    }

    /**
     * A run that holds the worker (never reaching an await) while a request queued behind it
     * passes its deadline is cut off by the watchdog, logged, and its job goes on: after an
     * await (the run's task) and in the run's first step (a def job).
     */
    @Test
    void aRunTheWatchdogInterruptsIsLoggedAndTheJobGoesOn(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("marks.txt");
        PythonServer server = PythonServer.start(ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                    request_timeout_ms: 500
                engine:
                  workers: 1
                """, "timers.yaml", System::getenv), script(dir, marks, """
                ASYNC_RUNS = 0
                SYNC_SPIN = False
                SYNC_SPUN = False


                @timer.every(seconds=0.1, name="spin")
                async def spin():
                    global ASYNC_RUNS, SYNC_SPIN
                    ASYNC_RUNS += 1
                    n = ASYNC_RUNS
                    if n <= 2:
                        mark(f"async run {n}")
                    await asyncio.sleep(0.01)
                    if n == 1:
                        while True:
                            pass
                    SYNC_SPIN = True


                @timer.every(seconds=0.1, name="spin-sync")
                def spin_sync():
                    global SYNC_SPUN
                    if SYNC_SPIN and not SYNC_SPUN:
                        SYNC_SPUN = True
                        mark("sync spins")
                        while True:
                            pass
                    if SYNC_SPUN:
                        mark("sync runs again")
                """));
        try {
            await("the async run", 10_000, () -> lines(marks).contains("async run 1"));
            Thread.sleep(100);
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/count/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(504, r.statusCode(), "queued behind the spinning job: " + r.body());
            await("the next async run", 10_000, () -> lines(marks).contains("async run 2"));

            await("the sync run", 10_000, () -> lines(marks).contains("sync spins"));
            Thread.sleep(100);
            r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/count/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(504, r.statusCode(), "queued behind the spinning job: " + r.body());
            await("the next sync run", 10_000, () -> lines(marks).contains("sync runs again"));
            assertEquals("0", get(server, "/count/x"), "the worker serves again");
        } finally {
            server.close();
        }
        for (String job : List.of("'spin' (timers.spin)", "'spin-sync' (timers.spin_sync)")) {
            assertTrue(log.stream().anyMatch(l -> l.startsWith("SEVERE @timer.every job " + job
                    + " raised (worker 0); it runs again in 100 ms:\ninterrupted")), job + ": " + log);
        }
    }

    static final String ONE_SHOTS = """
            async def fired(key):
                await cache.incr("timer-test", "fired-" + key)
                mark(f"fired {key} in worker {WORKER}")


            def second(key):
                mark(f"second {key} in worker {WORKER}")


            def failing(key):
                raise RuntimeError(f"handler for {key} failed")


            @http.route("/set/{key}/{ms}")
            def arm(req):
                h = timer.set(req.path_params["key"], int(req.path_params["ms"]), fired)
                return http.Response(body=f"{h!r} {h.key} {WORKER}")


            @http.route("/set-failing/{key}")
            def arm_failing(req):
                timer.set(req.path_params["key"], 10, failing)
                return http.Response(body="armed")


            @http.route("/replace/{key}")
            def replace(req):
                timer.set(req.path_params["key"], 100, fired)
                timer.set(req.path_params["key"], 150, second)
                return http.Response(body="replaced")


            @http.route("/cancel/{key}")
            def cancel(req):
                return http.Response(body=str(timer.cancel(req.path_params["key"])))


            @http.route("/handle-cancel/{key}")
            def handle_cancel(req):
                h = timer.set(req.path_params["key"], 100, fired)
                return http.Response(body=f"{h.cancel()} {h.cancel()}")


            @http.route("/active")
            def active(req):
                return http.Response(body=str(timer.active_count))
            """;

    @Test
    void setFiresOnceAfterItsDelayInTheWorkerThatArmedIt(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("marks.txt");
        PythonServer server = PythonServer.start(config(""), script(dir, marks, ONE_SHOTS));
        try {
            long t0 = System.nanoTime();
            String armed = get(server, "/set/a/300");
            assertTrue(armed.startsWith("TimerHandle(key='a') a "), armed);
            assertEquals("1", get(server, "/active"));
            assertEquals(0, count(server, "fired-a"), "fired before its delay");
            await("a fired", 5_000, () -> lines(marks).size() == 1);
            double ms = (System.nanoTime() - t0) / 1e6;
            assertTrue(ms >= 300, "fired after " + ms + " ms");
            String worker = armed.substring(armed.lastIndexOf(' ') + 1);
            assertEquals(List.of("fired a in worker " + worker), lines(marks), "in the worker that armed it");
            Thread.sleep(400);
            assertEquals(1, count(server, "fired-a"), "fired once");
            assertEquals("0", get(server, "/active"));

            assertEquals("armed", get(server, "/set-failing/boom"));
            await("the failure logged", 5_000, () -> log.stream().anyMatch(l -> l.startsWith(
                    "SEVERE timer.set handler timers.failing for key 'boom' raised")
                    && l.contains("RuntimeError: handler for boom failed")));
        } finally {
            server.close();
        }
    }

    @Test
    void cancelAndReplace(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("marks.txt");
        PythonServer server = PythonServer.start(config(""), script(dir, marks, ONE_SHOTS));
        try {
            get(server, "/set/b/300");
            assertEquals("True", get(server, "/cancel/b"));
            assertEquals("False", get(server, "/cancel/b"), "cancelled already");
            assertEquals("False", get(server, "/cancel/never-armed"));
            assertEquals("True False", get(server, "/handle-cancel/c"), "handle.cancel(): armed, then not");
            assertEquals("replaced", get(server, "/replace/d"));
            assertEquals("1", get(server, "/active"), "d once");

            // arming a key again from the other worker replaces it too: keys are process-wide
            Set<String> workers = new HashSet<>();
            String last = null;
            for (int i = 0; i < 50 && workers.size() < 2; i++) {
                last = get(server, "/set/e/400");
                workers.add(last.substring(last.lastIndexOf(' ') + 1));
            }
            assertEquals(2, workers.size(), "both workers armed e");
            String lastWorker = last.substring(last.lastIndexOf(' ') + 1);
            await("d and e fired", 5_000, () -> lines(marks).size() >= 2);
            Thread.sleep(600);
            List<String> m = new ArrayList<>(lines(marks));
            Collections.sort(m);
            assertEquals(2, m.size(), "only the last timer of each key fired: " + m);
            assertTrue(m.get(0).startsWith("fired e in worker " + lastWorker), m.toString());
            assertTrue(m.get(1).startsWith("second d in worker "), m.toString());
            assertEquals(0, count(server, "fired-b"));
            assertEquals(0, count(server, "fired-c"));
            assertEquals(0, count(server, "fired-d"), "replaced before it fired");
            assertEquals(1, count(server, "fired-e"));
            assertEquals("0", get(server, "/active"));
        } finally {
            server.close();
        }
    }

    @Test
    void shutdownStopsTheTimersBeforeTheOnShutdownHooks(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("marks.txt");
        PythonServer server = PythonServer.start(config(""), script(dir, marks, ONE_SHOTS + """


                RUNS = 0


                @timer.every(seconds=0.05, name="busy")
                async def busy():
                    global RUNS
                    RUNS += 1
                    n = RUNS
                    mark(f"start {n}")
                    await asyncio.sleep(0.2)
                    mark(f"end {n}")


                @http.on_shutdown
                def bye():
                    mark(f"shutdown in worker {WORKER}: {timer.active_count} armed")
                """));
        boolean closed = false;
        try {
            long armedAt = System.nanoTime();
            get(server, "/set/late/1000"); // armed; shutdown comes first
            await("a run under way", 5_000, () -> {
                List<String> m = lines(marks);
                return !m.isEmpty() && m.get(m.size() - 1).startsWith("start ");
            });
            server.close();
            closed = true;
            Thread.sleep(Math.max(500, 1300 - (System.nanoTime() - armedAt) / 1_000_000));
            List<String> m = lines(marks);
            int first = -1;
            for (int i = 0; i < m.size(); i++) {
                if (m.get(i).startsWith("shutdown")) {
                    first = i;
                    break;
                }
            }
            assertTrue(first > 0, m.toString());
            List<String> before = m.subList(0, first);
            List<String> after = m.subList(first, m.size());
            assertEquals(List.of("shutdown in worker 1: 0 armed", "shutdown in worker 2: 0 armed"),
                    after.stream().sorted().toList(), "no run and no one-shot after the hooks began: " + m);
            String lastStart = before.stream().filter(l -> l.startsWith("start ")).reduce((a, b) -> b).orElseThrow();
            assertEquals("end " + lastStart.substring(6), before.get(before.size() - 1),
                    "the run under way at shutdown ended before the hooks: " + m);
            assertFalse(m.stream().anyMatch(l -> l.startsWith("fired late")), m.toString());
        } finally {
            if (!closed) {
                server.close();
            }
        }
    }

    @Test
    void aRunStillGoingAfterTheGraceIsCancelledBeforeTheHooks(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("marks.txt");
        PythonServer server = PythonServer.start(config("  shutdown_grace_ms: 200\n"), script(dir, marks, """
                @timer.every(seconds=0.05, name="endless")
                async def endless():
                    mark("start")
                    try:
                        await asyncio.sleep(3600)
                    except asyncio.CancelledError:
                        mark("cancelled")
                        raise


                @http.on_shutdown
                def bye():
                    mark("shutdown")
                """));
        try {
            await("the run started", 5_000, () -> lines(marks).contains("start"));
        } finally {
            long t0 = System.nanoTime();
            server.close();
            assertTrue((System.nanoTime() - t0) / 1e6 < 3000, "closed in " + (System.nanoTime() - t0) / 1e6 + " ms");
        }
        assertEquals(List.of("start", "cancelled", "shutdown", "shutdown"), lines(marks));
        assertTrue(log.stream().anyMatch(l -> l.equals("WARNING @timer.every job 'endless' (timers.endless) still runs "
                + "at shutdown after the grace: cancelling it")), log.toString());
    }

    /** The example of docs/python.md's Timers section, served: its routes arm and cancel a timer. */
    @Test
    void theDocsExampleServes(@TempDir Path dir) throws Exception {
        String doc = Files.readString(LauncherTest.ROOT.resolve("docs/python.md"));
        int section = doc.indexOf("## Timers: `@timer.every` and `timer.set`");
        assertTrue(section > 0, "no Timers section in docs/python.md");
        int start = doc.indexOf("```python\n", section) + "```python\n".length();
        String example = doc.substring(start, doc.indexOf("```", start));
        Path p = dir.resolve("app.py");
        Files.writeString(p, example + """


                @http.route("/active")
                def active(req):
                    return http.Response(body=str(timer.active_count))
                """);
        HttpEngine api = HttpEngine.builder()
                .listen(ServerConfig.listen("127.0.0.1:0"))
                .settings(EngineSettings.defaults().withIoLoops(1))
                .route("POST", "/oauth/token", req -> Response.text(200, "{\"access_token\": \"t\"}"))
                .start();
        PythonServer server = PythonServer.start(configWithApi(api.port()), p);
        try {
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/orders/7")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, r.statusCode());
            assertEquals("1", get(server, "/active"));
            r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/orders/7/confirm")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("0", get(server, "/active"));
            assertTrue(log.stream().anyMatch(l -> l.contains("@timer.every job 'refresh-token' (app.refresh_token) runs "
                    + "every 30000 ms (jitter 5000 ms) in worker 0")), log.toString());
        } finally {
            Scripts.closeCheckingClients(server);
            api.close();
        }
    }

    @Test
    void badArgumentsAreTheScriptsErrors(@TempDir Path dir) throws Exception {
        for (String[] c : new String[][] {
            {"@timer.every(seconds=0)\ndef f():\n    pass\n", "ValueError: timer.every: seconds must be > 0 seconds, was 0"},
            {"@timer.every(seconds='5')\ndef f():\n    pass\n", "TypeError: timer.every: seconds must be a number"},
            {"@timer.every(1, jitter=-1)\ndef f():\n    pass\n", "ValueError: timer.every: jitter must be >= 0 seconds"},
            {"@timer.every(1)\ndef f():\n    pass\n\n@timer.every(2, name='f')\ndef g():\n    pass\n",
                "ValueError: timer.every: a job named 'f' is already registered (timers.f)"},
            {"timer.set(1, 10, print)\n", "TypeError: timer.set: key must be a str, not int"},
            {"timer.set('k', -1, print)\n", "ValueError: timer.set: delay_ms must be from 0 to 10**12, was -1"},
            {"timer.set('k', 10, 'print')\n", "TypeError: timer.set: handler must be callable, not str"},
        }) {
            Path p = dir.resolve("timers.py");
            Files.writeString(p, "from siphon import http, timer\n\n" + c[0]);
            ScriptException e = org.junit.jupiter.api.Assertions.assertThrows(ScriptException.class,
                    () -> PythonServer.start(config(""), p).close());
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }
}
