package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin listener of a Python server, through the launcher: while the only worker is held by
 * a blocking handler, /readyz, /healthz and /metrics still answer (from the engine's loops, not
 * the worker's queue); on SIGTERM /readyz turns 503 while the application still serves, for
 * admin.drain_delay_ms, and then the listeners close and the process exits 0.
 */
class AdminProbesTest {
    private static final String SCRIPT = """
            import time
            from siphon import http


            @http.route("/hello/{name}")
            async def hello(req):
                return http.Response(body="hi " + req.path_params["name"])


            @http.route("/block")
            def block(req):
                time.sleep(6)  # holds the only worker
                return http.Response(body="done")
            """;

    @Test
    void probesAnswerWhileTheWorkerIsHeldAndReadinessDropsBeforeTheListenersClose(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("app.py"), SCRIPT);
        Path yaml = Files.writeString(dir.resolve("http.yaml"), """
                servers:
                  - listen: 127.0.0.1:0
                engine:
                  workers: 1
                admin:
                  listen: 127.0.0.1:0
                  drain_delay_ms: 4000
                """);
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(LauncherTest.LAUNCHER.toString(), "--config", yaml.toString(),
                "--script", script.toString()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            String base = LauncherTest.awaitListening(p, out, err);
            // printed just after the listening line: wait for it too
            Matcher m = Pattern.compile("admin listener on (\\S+)").matcher("");
            for (int i = 0; i < 100 && !m.reset(Files.readString(out)).find(); i++) {
                Thread.sleep(100);
            }
            assertTrue(m.reset(Files.readString(out)).find(), Files.readString(out));
            String admin = m.group(1);

            String ready = "";
            for (int i = 0; i < 300 && !ready.equals("{\"status\":\"ready\"}"); i++) {
                ready = Curl.run(admin + "/readyz").body();
                Thread.sleep(100);
            }
            assertEquals("{\"status\":\"ready\"}", ready, "ready once the worker loaded the script and ran on_startup");
            assertEquals("hi a", Curl.run(base + "/hello/a").body());

            CompletableFuture<Curl.Result> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    return Curl.run(base + "/block");
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(500); // the worker is in time.sleep now
            long t0 = System.nanoTime();
            Curl.Result readyz = Curl.run(admin + "/readyz");
            Curl.Result healthz = Curl.run(admin + "/healthz");
            Curl.Result metrics = Curl.run(admin + "/metrics");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertFalse(blocked.isDone(), "the worker was still held while the probes answered (they took " + ms + " ms)");
            assertEquals(200, readyz.status());
            assertEquals("{\"status\":\"ok\"}", healthz.body());
            assertEquals(200, metrics.status());
            assertTrue(metrics.body().contains(
                    "siphon_http_requests_total{route=\"/hello/{name}\",method=\"GET\",status_class=\"2xx\"} 1\n"),
                    metrics.body());
            assertEquals("done", blocked.get(20, TimeUnit.SECONDS).body());

            p.destroy(); // SIGTERM
            String seen = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < deadline && !seen.contains("shutting down")) {
                seen = Curl.run(admin + "/readyz").body();
            }
            assertEquals("{\"status\":\"not ready\",\"reason\":\"shutting down\"}", seen);
            assertEquals("hi still", Curl.run(base + "/hello/still").body(), "the drain delay keeps serving");
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher exits after the drain");
            assertEquals(143, p.exitValue(), "SIGTERM ends the JVM with 128 + 15 once the shutdown hook ran");
            assertTrue(Files.readString(err).contains("not ready: serving 4000 ms more (admin.drain_delay_ms)"),
                    Files.readString(err));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }
}
