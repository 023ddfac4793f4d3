package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.AdminConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin listener, driven by curl: /metrics in both exposition formats (checked by the real
 * promtool), /healthz with the loops and the embedder's checks, /readyz through start and
 * shutdown, on a port of its own that application routes never answer.
 */
class AdminListenerTest {
    @TempDir
    Path dir;

    private final List<HttpEngine> engines = new ArrayList<>();

    @AfterEach
    void close() {
        for (HttpEngine e : engines) {
            e.close();
        }
    }

    private HttpEngine start(HttpEngine.Builder b) throws Exception {
        HttpEngine e = b.start();
        engines.add(e);
        return e;
    }

    private HttpEngine.Builder app() {
        return HttpEngine.builder().listen("127.0.0.1:0").admin("127.0.0.1:0")
                .route("GET", "/hello/{name}", req -> Response.text(200, "hi " + req.pathParam("name")))
                .route("POST", "/echo", req -> Response.of(200, req.body()));
    }

    private static String app(HttpEngine e, String path) {
        return "http://127.0.0.1:" + e.port() + path;
    }

    /** The value of the one sample line that starts with {@code series}, or fails. */
    static double sample(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return fail("no sample " + series + " in\n" + exposition);
    }

    @Test
    void metricsCountRequestsByRoutePatternMethodAndStatusClassOverBothProtocols() throws Exception {
        HttpEngine e = start(app());
        Curl.ok(dir, app(e, "/hello/a"), app(e, "/hello/b"), app(e, "/hello/c"));
        Curl.ok(dir, "--http2-prior-knowledge", app(e, "/hello/d"));
        Curl.ok(dir, "--data-binary", "12345", app(e, "/echo"));
        Curl.ok(dir, app(e, "/nothing/here"));
        Curl.ok(dir, "-X", "PURGE", app(e, "/hello/x"));

        Curl.Result r = Curl.ok(dir, "-v", e.adminUrl() + "/metrics");
        String text = r.out();
        assertTrue(r.stderr().contains("< content-type: text/plain; version=0.0.4; charset=utf-8"), r::toString);
        assertEquals(4, sample(text, "siphon_http_requests_total{route=\"/hello/{name}\",method=\"GET\",status_class=\"2xx\"}"));
        assertEquals(1, sample(text, "siphon_http_requests_total{route=\"/echo\",method=\"POST\",status_class=\"2xx\"}"));
        assertEquals(1, sample(text, "siphon_http_requests_total{route=\"(none)\",method=\"GET\",status_class=\"4xx\"}"));
        assertEquals(1, sample(text, "siphon_http_requests_total{route=\"(none)\",method=\"OTHER\",status_class=\"4xx\"}"),
                "a method outside the standard ones is OTHER: clients cannot add label values");
        assertFalse(text.contains("/hello/a") || text.contains("/nothing/here") || text.contains("PURGE"),
                "the raw path and method never become label values");
        assertEquals(4, sample(text, "siphon_http_request_duration_seconds_count{route=\"/hello/{name}\"}"));
        assertEquals(4, sample(text, "siphon_http_request_duration_seconds_bucket{route=\"/hello/{name}\",le=\"+Inf\"}"));
        assertTrue(sample(text, "siphon_http_request_duration_seconds_sum{route=\"/hello/{name}\"}") > 0);
        assertEquals(5, sample(text, "siphon_http_request_body_bytes_total{route=\"/echo\"}"));
        assertEquals(5, sample(text, "siphon_http_response_body_bytes_total{route=\"/echo\"}"));
        assertEquals(4 * "hi a".length(), sample(text, "siphon_http_response_body_bytes_total{route=\"/hello/{name}\"}"));
        String listener = "http://127.0.0.1:" + e.port();
        assertTrue(sample(text, "siphon_connections_accepted_total{listener=\"" + listener + "\",protocol=\"http/1.1\"}") >= 4);
        assertEquals(1, sample(text, "siphon_connections_accepted_total{listener=\"" + listener + "\",protocol=\"h2c\"}"));
        assertEquals(1, sample(text, "siphon_http2_streams_total"));
        assertEquals(0, sample(text, "siphon_http2_streams_open"));
        assertTrue(sample(text, "siphon_process_heap_used_bytes") > 0);
        assertTrue(sample(text, "siphon_process_open_fds") > 0);
        assertTrue(text.contains("siphon_build_info{version=\""), text);
        assertTrue(text.contains("# TYPE siphon_http_requests_total counter\n"), text);
        assertTrue(text.contains("# TYPE siphon_http_request_duration_seconds histogram\n"), text);
        promtoolCheck(text);
    }

    @Test
    void metricsSpeakOpenMetricsWhenTheScraperAsksForIt() throws Exception {
        HttpEngine e = start(app());
        Curl.ok(dir, app(e, "/hello/a"));
        Curl.Result r = Curl.ok(dir, "-v", "-H", "Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
                e.adminUrl() + "/metrics");
        assertTrue(r.stderr().contains("< content-type: application/openmetrics-text; version=1.0.0; charset=utf-8"),
                r::toString);
        String text = r.out();
        assertTrue(text.endsWith("# EOF\n"), text);
        assertTrue(text.contains("# TYPE siphon_http_requests counter\n"), "OpenMetrics names the family without _total");
        assertEquals(1, sample(text, "siphon_http_requests_total{route=\"/hello/{name}\",method=\"GET\",status_class=\"2xx\"}"));
        assertTrue(text.contains("siphon_http_request_duration_seconds_bucket{route=\"/hello/{name}\",le=\"0.0005\"}"), text);
        assertTrue(text.contains("le=\"1.0\"}"), "OpenMetrics bounds are written as floats");
    }

    @Test
    void applicationRoutesAreNotOnTheAdminPortNorTheAdminRoutesOnTheApplicationPort() throws Exception {
        HttpEngine e = start(app());
        Curl.Result onAdmin = Curl.ok(dir, "-o", "/dev/null", "-w", "%{http_code}", e.adminUrl() + "/hello/a");
        assertEquals("404", onAdmin.out());
        Curl.Result onApp = Curl.ok(dir, "-o", "/dev/null", "-w", "%{http_code}", app(e, "/metrics"));
        assertEquals("404", onApp.out());
        String text = Curl.ok(dir, e.adminUrl() + "/metrics").out();
        assertFalse(text.contains("route=\"/metrics\""), "probes and scrapes count in no request metric");
    }

    @Test
    void healthzAnswersOkWhileEveryLoopRunsAndNamesAFailingCheck() throws Exception {
        AtomicReference<String> problem = new AtomicReference<>();
        HttpEngine e = start(app().healthCheck("database", problem::get));
        Curl.Result ok = Curl.ok(dir, "-w", "\n%{http_code}", e.adminUrl() + "/healthz");
        assertEquals("{\"status\":\"ok\"}\n200", ok.out());
        problem.set("no connection for 12 s");
        Curl.Result bad = Curl.ok(dir, "-w", "\n%{http_code}", e.adminUrl() + "/healthz");
        assertEquals("{\"status\":\"failing\",\"problems\":[\"database: no connection for 12 s\"]}\n503", bad.out());
    }

    @Test
    void healthzNamesALoopThatDoesNotRunItsTasks() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        // The admin listener serves from loop 0; a handler that blocks loop 1 (what a bug in a
        // Java handler would do) keeps the probe task queued behind it from running.
        HttpEngine e = start(app().settings(dev.siphon.http.config.EngineSettings.defaults().withIoLoops(2))
                .route("GET", "/block", req -> {
                    if (Thread.currentThread().getName().equals("siphon-loop-0")) {
                        return Response.text(200, "loop 0");
                    }
                    holding.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException x) {
                        Thread.currentThread().interrupt();
                    }
                    return Response.text(200, "released");
                }));
        CompletableFuture<Curl.Result> stuck = null;
        for (int i = 0; i < 20 && stuck == null; i++) { // new connections go to the loops in turn
            CompletableFuture<Curl.Result> attempt = CompletableFuture.supplyAsync(() -> {
                try {
                    return Curl.run(dir, "--max-time", "30", app(e, "/block"));
                } catch (Exception x) {
                    throw new RuntimeException(x);
                }
            });
            if (holding.await(2, TimeUnit.SECONDS)) {
                stuck = attempt;
            } else {
                assertEquals("loop 0", attempt.get(10, TimeUnit.SECONDS).out());
            }
        }
        assertNotEquals(null, stuck, "a request reached loop 1");
        try {
            Curl.Result r = Curl.ok(dir, "-w", "\n%{http_code}", e.adminUrl() + "/healthz");
            assertEquals("{\"status\":\"failing\",\"problems\":[\"event loop 1 did not run a task within 1000 ms\"]}\n503",
                    r.out());
        } finally {
            release.countDown();
        }
        assertEquals("released", stuck.get(15, TimeUnit.SECONDS).out());
        assertEquals("{\"status\":\"ok\"}\n200", Curl.ok(dir, "-w", "\n%{http_code}", e.adminUrl() + "/healthz").out());
    }

    @Test
    void readyzFollowsTheEmbedderThenTurns503WhenShutdownBeginsWhileTheServerStillServes() throws Exception {
        HttpEngine e = start(app().admin(AdminConfig.listen("127.0.0.1:0").withDrainDelayMs(5000))
                .notReadyAtStart("loading models"));
        Curl.Result starting = Curl.ok(dir, "-w", "\n%{http_code}", e.adminUrl() + "/readyz");
        assertEquals("{\"status\":\"not ready\",\"reason\":\"loading models\"}\n503", starting.out());
        e.ready(null);
        assertEquals("{\"status\":\"ready\"}\n200", Curl.ok(dir, "-w", "\n%{http_code}", e.adminUrl() + "/readyz").out());

        String admin = e.adminUrl();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(e::close);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        String seen = "";
        while (System.nanoTime() < deadline && !seen.endsWith("503")) {
            seen = Curl.ok(dir, "-w", "\n%{http_code}", admin + "/readyz").out();
        }
        assertEquals("{\"status\":\"not ready\",\"reason\":\"shutting down\"}\n503", seen);
        assertEquals("hi still", Curl.ok(dir, app(e, "/hello/still")).out(), "the drain delay keeps serving");
        assertFalse(closing.isDone(), "close waits out admin.drain_delay_ms");
        closing.get(15, TimeUnit.SECONDS);
        Curl.Result gone = Curl.run(dir, admin + "/readyz");
        assertEquals(7, gone.exit(), () -> "the admin listener closes with the engine: " + gone);
    }

    @Test
    void anAdminListenerOnAServersPortIsRefusedNamingBoth() {
        IllegalArgumentException x = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> HttpEngine.builder().listen("0.0.0.0:18999").admin("127.0.0.1:18999").start());
        assertEquals("admin listener 127.0.0.1:18999 takes the port of the server listening on 0.0.0.0:18999",
                x.getMessage());
    }

    /** Runs Prometheus' own promtool over the exposition: a format or naming error fails the test. */
    private void promtoolCheck(String exposition) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            fail("promtool is required (Debian's prometheus package; bin/ensure-tools installs it)");
        }
        Path in = Files.writeString(dir.resolve("metrics.txt"), exposition);
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(in.toFile())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> "promtool check metrics:\n" + out);
        Matcher problems = Pattern.compile("(?m)^.+$").matcher(out);
        assertFalse(problems.find(), () -> "promtool reported:\n" + out);
    }
}
