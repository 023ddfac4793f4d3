package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.HttpConfig;
import dev.siphon.http.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code @http.on_shutdown}: real servers on real scripts, closed the way the launcher's
 * SIGTERM hook closes them ({@link PythonServer#close}). Each hook appends a line to a marker
 * file, so the file's order is the order things happened in.
 */
class ShutdownHooksTest {
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

    static HttpConfig config(String yaml) throws Exception {
        return ConfigLoader.parse(yaml, "shutdown.yaml", System::getenv);
    }

    /** A script whose {@code mark(text)} appends a line to {@code marks}. */
    static Path script(Path dir, Path marks, String body) throws Exception {
        Path p = dir.resolve("hooks.py");
        Files.writeString(p, """
                import asyncio
                from siphon import http, cache

                MARKS = %s


                def mark(text):
                    with open(MARKS, "a") as f:
                        f.write(text + "\\n")


                WORKER = 0


                @http.on_startup
                async def number_the_worker():
                    global WORKER
                    WORKER = await cache.incr("shutdown-test", "workers")

                """.formatted(pyString(marks)) + body);
        return p;
    }

    static String pyString(Path p) {
        return "'" + p.toAbsolutePath().toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    static List<String> lines(Path p) throws Exception {
        return Files.exists(p) ? Files.readAllLines(p) : List.of();
    }

    static void awaitLine(Path marks, String line) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (lines(marks).contains(line)) {
                return;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("no line '" + line + "' in " + lines(marks));
    }

    @Test
    void syncAndAsyncHooksRunInEveryWorkerAfterRequestsInFlightFinished(@TempDir Path dir) throws Exception {
        List<String> deregistered = Collections.synchronizedList(new ArrayList<>());
        HttpEngine registry = HttpEngine.builder()
                .listen(ServerConfig.listen("127.0.0.1:0"))
                .settings(EngineSettings.defaults().withIoLoops(1))
                .route("DELETE", "/v1/instances/{id}", req -> {
                    deregistered.add(req.pathParam("id"));
                    return Response.text(204, "");
                })
                .start();
        Path marks = dir.resolve("marks.txt");
        PythonServer server = null;
        try {
            server = PythonServer.start(config("""
                    servers:
                      - listen: 127.0.0.1:0
                    clients:
                      registry:
                        base_url: http://127.0.0.1:%d
                    engine:
                      workers: 2
                    """.formatted(registry.port())), script(dir, marks, """
                    registry = http.Client("registry")


                    @http.route("/slow/{ms}")
                    async def slow(req):
                        mark("request started")
                        await asyncio.sleep(int(req.path_params["ms"]) / 1000)
                        mark("request done")
                        return http.Response(body="slow done")


                    @http.on_shutdown
                    def flush():
                        mark(f"sync hook in worker {WORKER}")


                    @http.on_shutdown
                    async def deregister():
                        await asyncio.sleep(0.05)
                        await cache.store("shutdown-test", f"bye{WORKER}", "gone")
                        stored = await cache.fetch("shutdown-test", f"bye{WORKER}")
                        r = await registry.delete(f"/v1/instances/{WORKER}")
                        mark(f"async hook in worker {WORKER}: cache {stored}, registry {r.status}")
                    """));
            CompletableFuture<HttpResponse<String>> slow = CLIENT.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/slow/1500")).build(),
                    HttpResponse.BodyHandlers.ofString());
            awaitLine(marks, "request started");
            assertTrue(lines(marks).stream().noneMatch(l -> l.contains("hook")), "no hook runs while serving");

            server.close(); // what the launcher's SIGTERM hook does
            server = null;

            HttpResponse<String> r = slow.get(10, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), "the request in flight finished");
            assertEquals("slow done", r.body());
            List<String> m = lines(marks);
            assertEquals(List.of("request started", "request done"), m.subList(0, 2),
                    "the request in flight finished before any hook ran: " + m);
            List<String> hooks = new ArrayList<>(m.subList(2, m.size()));
            Collections.sort(hooks);
            assertEquals(List.of(
                    "async hook in worker 1: cache gone, registry 204",
                    "async hook in worker 2: cache gone, registry 204",
                    "sync hook in worker 1",
                    "sync hook in worker 2"), hooks, "each hook ran once in each worker: " + m);
            for (int w = 1; w <= 2; w++) {
                assertTrue(m.indexOf("sync hook in worker " + w) < m.indexOf(
                        "async hook in worker " + w + ": cache gone, registry 204"), "registration order: " + m);
            }
            List<String> ids = new ArrayList<>(deregistered);
            Collections.sort(ids);
            assertEquals(List.of("1", "2"), ids, "http.Client still worked in the hooks");
        } finally {
            if (server != null) {
                server.close();
            }
            registry.close();
        }
    }

    @Test
    void aHookThatRaisesIsLoggedAndTheNextHookStillRuns(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("marks.txt");
        PythonServer server = PythonServer.start(config("""
                servers:
                  - listen: 127.0.0.1:0
                engine:
                  workers: 1
                """), script(dir, marks, """
                @http.route("/")
                def root(req):
                    return http.Response()


                @http.on_shutdown
                async def close_pool():
                    raise ValueError("pool already closed")


                @http.on_shutdown
                def emit_final_metric():
                    mark("metric emitted")
                """));
        server.close();
        assertEquals(List.of("metric emitted"), lines(marks));
        String entry = log.stream().filter(l -> l.contains("@http.on_shutdown hook hooks.close_pool raised"))
                .findFirst().orElseThrow(() -> new AssertionError("not logged: " + log));
        assertTrue(entry.startsWith("SEVERE "), entry);
        assertTrue(entry.contains("(worker 0)") && entry.contains("Traceback")
                && entry.contains("ValueError: pool already closed"), entry);
    }

    @Test
    void hooksThatNeverReturnAreCutOffAtTheTimeout(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("marks.txt");
        PythonServer server = PythonServer.start(config("""
                servers:
                  - listen: 127.0.0.1:0
                engine:
                  workers: 2
                  shutdown_hooks_timeout_ms: 1000
                """), script(dir, marks, """
                @http.route("/")
                def root(req):
                    return http.Response()


                @http.on_shutdown
                async def stuck():
                    mark(f"stuck in worker {WORKER}")
                    if WORKER == 1:
                        while True:  # never reaches an await: only an interrupt stops it
                            pass
                    try:
                        await asyncio.sleep(3600)
                    except asyncio.CancelledError:
                        mark(f"cancelled in worker {WORKER}")
                        raise


                @http.on_shutdown
                def after():
                    mark(f"after in worker {WORKER}")
                """));
        long t0 = System.nanoTime();
        server.close();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        List<String> m = new ArrayList<>(lines(marks));
        Collections.sort(m);
        assertEquals(List.of("cancelled in worker 2", "stuck in worker 1", "stuck in worker 2"), m,
                "the awaiting hook was cancelled, the spinning one interrupted, and no hook ran after them");
        // bounded: the time limit, the cancel grace, an interrupt and the workers' stop; not an hour
        assertTrue(ms < 20_000, "close() took " + ms + " ms");
        String all = String.join("\n", log);
        assertTrue(all.contains("@http.on_shutdown hook hooks.stuck still running after 1000 ms"), all);
        assertTrue(all.contains("interrupting it"), all);
    }

    @Test
    void noHookRunsInAWorkerWhoseStartUpFailed(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("marks.txt");
        Path script = script(dir, marks, """
                @http.on_startup
                def fail():
                    raise RuntimeError("no database")


                @http.route("/")
                def root(req):
                    return http.Response()


                @http.on_shutdown
                def undo():
                    mark("undo")
                """);
        ScriptException e = assertThrows(ScriptException.class, () -> PythonServer.start(config("""
                servers:
                  - listen: 127.0.0.1:0
                engine:
                  workers: 1
                """), script));
        assertTrue(e.getMessage().contains("no database"), e.getMessage());
        assertFalse(Files.exists(marks), "on_shutdown ran: " + lines(marks));
    }

    @Test
    void registrationsCountShutdownHooksAndAPoolWithoutStartUpRunsNone(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("marks.txt");
        Path typeError = dir.resolve("type-error.txt");
        Path script = script(dir, marks, """
                try:
                    http.on_shutdown(42)
                except TypeError as e:
                    with open(TYPE_ERROR, "w") as f:
                        f.write(str(e))


                @http.on_shutdown
                def undo():
                    mark("undo")


                @http.on_shutdown
                async def undo_async():
                    mark("undo async")
                """);
        Files.writeString(script, "TYPE_ERROR = " + pyString(typeError) + "\n" + Files.readString(script));
        try (WorkerPool pool = WorkerPool.load(script, 1)) {
            Registrations r = pool.registrations();
            assertEquals(1, r.startupHooks());
            assertEquals(2, r.shutdownHooks());
        }
        assertFalse(Files.exists(marks), "a pool whose on_startup hooks never ran runs no on_shutdown hook");
        assertEquals("http.on_shutdown decorates a function, not int", Files.readString(typeError));
    }
}
