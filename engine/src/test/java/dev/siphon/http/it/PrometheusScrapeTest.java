package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus server (Debian's package) scrapes the admin listener: its HTTP API then shows
 * the target up, and the value of a request counter the engine recorded.
 */
class PrometheusScrapeTest {
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

    @TempDir
    Path dir;

    @Test
    void prometheusScrapesTheAdminListenerAndSeesTheRequestCount() throws Exception {
        if (!Files.isExecutable(PROMETHEUS)) {
            fail("prometheus is required (Debian's prometheus package; bin/ensure-tools installs it)");
        }
        try (HttpEngine e = HttpEngine.builder().listen("127.0.0.1:0").admin("127.0.0.1:0")
                .route("GET", "/hello/{name}", req -> Response.text(200, "hi")).start()) {
            for (int i = 0; i < 7; i++) {
                Curl.ok(dir, "http://127.0.0.1:" + e.port() + "/hello/n" + i);
            }
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path config = Files.writeString(dir.resolve("prometheus.yml"), """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                    scrape_configs:
                      - job_name: siphon
                        static_configs:
                          - targets: ['%s']
                    """.formatted(e.adminUrl().substring("http://".length())));
            Path log = dir.resolve("prometheus.log");
            Process p = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                HttpClient client = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + port + "/api/v1/query?query=";
                String up = poll(client, base + enc("up{job=\"siphon\"}"), "1", log);
                assertEquals("1", up, "the target is up");
                String count = poll(client, base + enc("siphon_http_requests_total{route=\"/hello/{name}\",method=\"GET\","
                        + "status_class=\"2xx\"}"), "7", log);
                assertEquals("7", count);
                String le = poll(client, base + enc("siphon_http_request_duration_seconds_count{route=\"/hello/{name}\"}"),
                        "7", log);
                assertEquals("7", le);
            } finally {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private static String enc(String q) {
        return URLEncoder.encode(q, StandardCharsets.UTF_8);
    }

    /** Asks the query API until the single result's value is {@code want} (or 30 s pass); returns the last value. */
    private static String poll(HttpClient client, String url, String want, Path log) throws Exception {
        Pattern value = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]*)\"\\]");
        String last = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                String body = client.send(HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = value.matcher(body);
                if (m.find()) {
                    last = m.group(1);
                    if (last.equals(want)) {
                        return last;
                    }
                }
            } catch (java.io.IOException notYet) {
                // Prometheus is still starting
            }
            Thread.sleep(200);
        }
        assertTrue(false, "Prometheus never answered " + want + " for " + url + " (last " + last + "); its log:\n"
                + Files.readString(log));
        return last;
    }
}
