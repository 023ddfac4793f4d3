package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code from siphon import metrics}: two worker contexts register the same metrics at module
 * level and share them (their increments sum), errors are ValueError, and /metrics on the admin
 * listener exports them beside the engine's.
 */
class ScriptMetricsTest {
    static PythonServer server;
    static dev.siphon.http.HttpEngine upstream;
    static String base;
    static String admin;

    @BeforeAll
    static void start() throws Exception {
        upstream = dev.siphon.http.HttpEngine.builder().listen("127.0.0.1:0")
                .route("GET", "/hello/{name}", req -> dev.siphon.http.Response.text(200, "hi")).start();
        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                clients:
                  api:
                    base_url: http://127.0.0.1:%d
                engine:
                  workers: 2
                admin:
                  listen: 127.0.0.1:0
                """.formatted(upstream.port()), "test.yaml", System::getenv);
        server = PythonServer.start(config, Scripts.path("metrics_app.py"));
        server.awaitWorkers();
        base = "http://127.0.0.1:" + server.port();
        admin = server.engine().adminUrl();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    static double sample(String text, String series) {
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        throw new AssertionError("no " + series + " in\n" + text);
    }

    @Test
    void bothWorkersRecordIntoOneMetricAndItIsExported() throws Exception {
        Set<String> workers = new HashSet<>();
        int n = 0;
        while (workers.size() < 2 && n < 64) {
            workers.add(Curl.run(base + "/hit/ab").body());
            n++;
        }
        assertEquals(2, workers.size(), "both workers served");
        String text = Curl.run(admin + "/metrics").body();
        assertEquals(n, sample(text, "app_hits_total{kind=\"ab\"}"), "the increments of both workers sum");
        assertEquals(2.0 * n, sample(text, "app_plain_total"));
        assertEquals(0.5 * n, sample(text, "app_inflight"));
        assertEquals(0, sample(text, "app_size_bytes_bucket{le=\"10.0\"}"));
        assertEquals(n, sample(text, "app_size_bytes_bucket{le=\"100.0\"}"));
        assertEquals(n, sample(text, "app_size_bytes_count"));
        assertEquals(40.0 * n, sample(text, "app_size_bytes_sum"));
        assertTrue(text.contains("# TYPE app_hits_total counter\n"), text);
        assertTrue(text.contains("siphon_http_requests_total{route=\"/hit/{kind}\""), "the engine's beside the script's");
    }

    @Test
    void registrationAndRecordingMistakesAreValueErrors() throws Exception {
        assertEquals(String.join("\n",
                "ValueError: metric 'app_hits' is already registered",
                "ValueError: invalid metric name '2bad': letters, digits, '_' and ':', not starting with a digit",
                "ValueError: ok_name: invalid label name '__reserved': letters, digits and '_', not starting with a digit or '__'",
                "ValueError: h_bad: bucket bounds must increase, 1.0 follows 5.0",
                "ValueError: app_hits has labels ['kind']: use .labels(...) first",
                "ValueError: app_hits has labels ['kind'], given ['nope']",
                "ValueError: app_plain_total: a counter goes up by a finite amount >= 0, not -1",
                "ValueError: a metric named 'siphon_http_requests' is already registered"),
                Curl.run(base + "/errors").body());
    }

    @Test
    void theWorkersFamiliesCountErrorsQueuesAndBusyTime() throws Exception {
        assertEquals(500, Curl.run(base + "/boom").status());
        assertEquals(500, Curl.run(base + "/boom").status());
        String text = Curl.run(admin + "/metrics").body();
        assertEquals(2, sample(text, "siphon_python_script_errors_total{handler=\"metrics_app.boom\"}"));
        assertEquals(0, sample(text, "siphon_python_queue_depth{worker=\"0\"}"));
        assertEquals(0, sample(text, "siphon_python_queue_depth{worker=\"1\"}"));
        assertTrue(sample(text, "siphon_python_busy_seconds_total{worker=\"0\"}")
                + sample(text, "siphon_python_busy_seconds_total{worker=\"1\"}") > 0);
        assertTrue(sample(text, "siphon_python_requests_dispatched_total") >= 2);
        assertEquals(0, sample(text, "siphon_python_requests_rejected_total"));
        assertEquals(0, sample(text, "siphon_python_interrupts_total"));
        // every siphon_python_ and siphon_client_ family docs/operations.md lists is exported here
        String doc = java.nio.file.Files.readString(LauncherTest.ROOT.resolve("docs/operations.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\| `(siphon_(?:python|client)_[a-z0-9_]+)`").matcher(doc);
        int documented = 0;
        while (m.find()) {
            documented++;
            assertTrue(text.contains("# TYPE " + m.group(1) + " "), m.group(1) + " is documented but not exported");
        }
        assertEquals(13, documented);
    }

    @Test
    void outboundCallsAreCountedByClientAndOutcomeWithTheirDurationsAndConnections() throws Exception {
        assertEquals("200 and ConnectError", Curl.run(base + "/call").body());
        assertEquals("200 and ConnectError", Curl.run(base + "/call").body());
        String text = Curl.run(admin + "/metrics").body();
        assertEquals(2, sample(text, "siphon_client_requests_total{client=\"api\",outcome=\"2xx\"}"));
        assertEquals(2, sample(text, "siphon_client_requests_total{client=\"(inline)\",outcome=\"connect_refused\"}"));
        assertEquals(2, sample(text, "siphon_client_request_duration_seconds_count{client=\"api\"}"));
        assertTrue(sample(text, "siphon_client_connections_open{client=\"api\"}") >= 1, "kept alive");
        assertEquals(sample(text, "siphon_client_connections_open{client=\"api\"}"),
                sample(text, "siphon_client_connections_idle{client=\"api\"}"), "none in use between calls");
    }

    @Test
    void labelValuesPastTheLimitAreDroppedAndCounted() throws Exception {
        assertEquals("ok", Curl.run(base + "/many/1200").body());
        String text = Curl.run(admin + "/metrics").body();
        long series = text.lines().filter(l -> l.startsWith("app_many_total{")).count();
        assertEquals(1000, series, "a family keeps at most 1,000 label combinations");
        assertTrue(sample(text, "siphon_metrics_series_dropped_total") >= 200, text.lines()
                .filter(l -> l.startsWith("siphon_metrics")).toList().toString());
    }
}
