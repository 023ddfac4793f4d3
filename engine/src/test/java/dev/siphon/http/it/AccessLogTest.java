package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.AccessLogConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log, with curl and Python's json module as the reader: one JSON line per request
 * over both protocols (404s included), the text format, and a writer that cannot write (a FIFO
 * nobody reads) costing requests nothing: lines are dropped and counted.
 */
class AccessLogTest {
    @TempDir
    Path dir;

    private static HttpEngine.Builder app() {
        return HttpEngine.builder().listen("127.0.0.1:0").admin("127.0.0.1:0")
                .route("POST", "/echo/{x}", req -> Response.of(201, req.body()));
    }

    private static List<String> awaitLines(Path file, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> lines = List.of();
        while (System.nanoTime() < deadline) {
            lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            if (lines.size() >= n) {
                return lines;
            }
            Thread.sleep(20);
        }
        return lines;
    }

    /** Python's json reads each line; prints the fields this test checks, tab-separated. */
    private String parse(Path file) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", """
                import json, sys
                for line in open(sys.argv[1]):
                    d = json.loads(line)
                    print("\\t".join(str(d[k]) for k in ("method", "path", "route", "protocol", "status",
                          "bytes_in", "bytes_out", "request_id", "tls_client", "client")))
                    assert isinstance(d["duration_us"], int) and d["duration_us"] >= 0, d
                    assert d["time"].endswith("Z"), d
                """, file.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void oneJsonLinePerRequestOverBothProtocols() throws Exception {
        Path log = dir.resolve("access.log");
        try (HttpEngine e = app().accessLog(AccessLogConfig.to(log)).start()) {
            String base = "http://127.0.0.1:" + e.port();
            Curl.ok(dir, "-H", "X-Request-Id: r-1", "--data-binary", "abc", base + "/echo/one");
            Curl.ok(dir, "--http2-prior-knowledge", "-H", "X-Request-Id: r-2", "--data-binary", "hello", base + "/echo/two");
            Curl.ok(dir, "-H", "X-Request-Id: r-3", base + "/missing?q=1");
            List<String> lines = awaitLines(log, 3);
            assertEquals(3, lines.size(), lines.toString());
            String port = ":" + "\\d+";
            String parsed = parse(log);
            String[] rows = parsed.split("\n");
            assertEquals("POST\t/echo/one\t/echo/{x}\tHTTP/1.1\t201\t3\t3\tr-1\tNone", rows[0].substring(0, rows[0].lastIndexOf('\t')));
            assertEquals("POST\t/echo/two\t/echo/{x}\tHTTP/2\t201\t5\t5\tr-2\tNone", rows[1].substring(0, rows[1].lastIndexOf('\t')));
            assertEquals("GET\t/missing\tNone\tHTTP/1.1\t404", rows[2].substring(0, rows[2].indexOf("\t", rows[2].indexOf("404"))));
            for (String row : rows) {
                assertTrue(row.substring(row.lastIndexOf('\t') + 1).matches("127\\.0\\.0\\.1" + port), row);
            }
            String metrics = Curl.ok(dir, e.adminUrl() + "/metrics").out();
            assertTrue(metrics.contains("siphon_access_log_lines_total 3\n"), metrics);
            assertTrue(metrics.contains("siphon_access_log_dropped_total 0\n"), metrics);
        }
    }

    @Test
    void theTextFormatIsOneCommonLogLikeLine() throws Exception {
        Path log = dir.resolve("access.txt");
        try (HttpEngine e = app().accessLog(AccessLogConfig.to(log).withJson(false)).start()) {
            Curl.ok(dir, "-H", "X-Request-Id: t-1", "--data-binary", "abcd", "http://127.0.0.1:" + e.port() + "/echo/t");
            List<String> lines = awaitLines(log, 1);
            assertEquals(1, lines.size());
            assertTrue(lines.get(0).matches("127\\.0\\.0\\.1:\\d+ - - \\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] "
                    + "\"POST /echo/t HTTP/1\\.1\" 201 4 \\d+us route=/echo/\\{x\\} id=t-1"), lines.get(0));
        }
    }

    @Test
    void textBeyondAsciiIsWrittenAsUtf8() throws Exception {
        Path log = dir.resolve("utf8.log");
        try (dev.siphon.http.dispatch.AccessLog l = new dev.siphon.http.dispatch.AccessLog(AccessLogConfig.to(log))) {
            l.log(new dev.siphon.http.dispatch.AccessLog.Line(0, "127.0.0.1:1", "GET", "/", "/", "HTTP/1.1", 200, 0, 0, 1,
                    "id", "CN=caf\u00e9 \ud83d\ude00,O=x"));
        }
        String line = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(line.contains("\"tls_client\":\"CN=caf\u00e9 \ud83d\ude00,O=x\"}"), line);
    }

    @Test
    void aWriterThatCannotWriteDropsLinesAndRequestsGoOn() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0);
        // nobody opens the FIFO for reading: the writer blocks opening it, and the queue (4 lines) fills
        try (HttpEngine e = app().accessLog(AccessLogConfig.to(fifo).withQueueLines(4)).start()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                assertEquals("x", Curl.ok(dir, "--data-binary", "x", "http://127.0.0.1:" + e.port() + "/echo/" + i).out());
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15), "requests did not wait for the log");
            String metrics = Curl.ok(dir, e.adminUrl() + "/metrics").out();
            assertTrue(metrics.contains("siphon_access_log_dropped_total 16\n"), metrics);
            assertTrue(metrics.contains("siphon_access_log_lines_total 0\n"), metrics);
            // let the writer's open() return so that it can stop
            Process reader = new ProcessBuilder("cat", fifo.toString()).redirectOutput(dir.resolve("drained").toFile())
                    .start();
            e.close();
            reader.waitFor(10, TimeUnit.SECONDS);
            reader.destroy();
        }
    }
}
