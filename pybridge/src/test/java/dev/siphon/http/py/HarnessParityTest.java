package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The CPython harness (python/siphon-testing, siphon_testing.HttpTestHarness) answers as the
 * engine does: one table of requests goes to one script (src/test/resources/harness/parity_app.py)
 * through the real engine over loopback (raw HTTP/1.1, so paths and methods go exactly as written)
 * and through the harness under Debian's /usr/bin/python3 (harness/parity_driver.py); status,
 * headers and body must be the same, ignoring only {@code date} and {@code x-request-id}, which
 * vary. Headers are compared as a client reads them: lower-case names, repeated fields joined with
 * ", ".
 */
class HarnessParityTest {
    static final Path ROOT = LauncherTest.ROOT;
    static final Path HARNESS = ROOT.resolve("python/siphon-testing");
    static final List<String> IGNORED = List.of("date", "x-request-id");

    record Row(String method, String path, Map<String, String> headers, String body) {
        static Row get(String path) {
            return new Row("GET", path, Map.of(), null);
        }

        static Row of(String method, String path) {
            return new Row(method, path, Map.of(), null);
        }

        Row header(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Row(method, path, h, body);
        }

        Row body(String b) {
            return new Row(method, path, headers, b);
        }
    }

    record Answer(int status, Map<String, String> headers, String body) {}

    static final List<Row> TABLE = List.of(
            Row.get("/static"),
            Row.get("/users/42"),
            Row.get("/users/me"),                         // static beats param
            Row.get("/users/a%20b"),                      // a decoded parameter
            Row.get("/users/caf%C3%A9"),
            Row.get("/users/%E9"),                        // not UTF-8: 400
            Row.get("/users/%zz"),                        // malformed escape: 400
            Row.get("/users/"),                           // a parameter needs one character: 404
            Row.get("/files/a/b/c"),                      // catch-all
            Row.get("/files/a%2Fb%20c"),
            Row.get("/files/"),                           // a catch-all needs one character: 404
            Row.get("/caf%C3%A9"),                        // a non-ASCII static pattern
            Row.get("/caf%c3%a9"),                        // static segments match exactly: 404
            Row.get("/a/b/c"),                            // backtracking to {x}
            Row.get("/a/b/d"),
            Row.get("/nope"),                             // 404
            Row.of("DELETE", "/items"),                   // 405 with allow
            Row.of("POST", "/users/1"),                   // 405, allow GET, HEAD
            Row.of("get", "/users/1"),                    // methods compare exactly
            Row.of("HEAD", "/users/7"),                   // HEAD: GET's head, no body
            Row.of("HEAD", "/head-own"),                  // a route of its own for HEAD
            Row.of("HEAD", "/nope"),
            Row.get("/query?a=1&a=2&b=x+y&c&=v&e=%zz&f=%C3%A9&&g=1;2"),
            Row.get("/static").header("X-Block", "1"),    // middleware short-circuit
            Row.get("/static").header("x-async-block", "1"),
            Row.get("/static").header("x-mw-bad", "1"),   // middleware returning a non-Response: 500
            Row.get("/nope").header("X-Block", "1"),      // 404 before any middleware
            Row.get("/boom"),                             // handler raising: 500
            Row.get("/none"),                             // returning None: 500
            Row.get("/notresp"),                          // returning a str: 500
            Row.of("POST", "/items").header("content-type", "application/json").body("{\"n\": [1, 2]}"),
            Row.of("PUT", "/items").body("{\"k\": \"v\"}"),
            Row.of("POST", "/echo").header("Content-Type", "text/plain").header("X-Custom", "c1").body("hello"),
            Row.of("POST", "/echo"),
            Row.get("/headers"),                          // list/tuple/int header values
            Row.get("/framing"),                          // the engine's framing fields win
            Row.get("/nocontent"),
            Row.of("DELETE", "/nocontent"),
            Row.get("/badheader"),                        // invalid header value: 500
            Row.get("/badname"),                          // invalid header name: 500
            Row.get("/async"),
            Row.get("/status/418"),
            Row.get("/status/599"),
            Row.get("/status/600"),                       // Response(600) raises: 500
            Row.of("POST", "/stream-echo").body("streamed body"), // a stream=True route
            Row.of("POST", "/stream-echo").body("x".repeat(33)), // past its max_body_bytes: 413
            Row.of("POST", "/stream-echo"),
            Row.get("/stream-sized"),                     // a StreamingResponse with its content-length
            Row.of("HEAD", "/stream-sized"),
            Row.of("HEAD", "/stream-chunked"),            // HEAD of a chunked one: transfer-encoding
            Row.get("/stream-nocontent"));                // 204: no body, no framing

    @Test
    void theHarnessAnswersEveryRequestAsTheEngine(@TempDir Path dir) throws Exception {
        Path script = Path.of(HarnessParityTest.class.getResource("/harness/parity_app.py").toURI());
        Path driver = Path.of(HarnessParityTest.class.getResource("/harness/parity_driver.py").toURI());
        assertTrue(TABLE.size() >= 30, "rows: " + TABLE.size());

        List<Answer> engine = new ArrayList<>();
        try (PythonServer server = PythonServer.start(ConfigLoader.parse(
                "servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n", "parity.yaml", System::getenv),
                script)) {
            for (Row row : TABLE) {
                engine.add(send(server.port(), row));
            }
        }

        Path table = Files.writeString(dir.resolve("table.json"), toJson(TABLE));
        ProcessBuilder pb = new ProcessBuilder(StubsTest.PYTHON, driver.toString(), script.toString(), table.toString())
                .redirectError(dir.resolve("stderr.txt").toFile());
        pb.environment().put("PYTHONPATH", HARNESS.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the driver timed out");
        assertEquals(0, p.exitValue(), "driver failed:\n" + out + Files.readString(dir.resolve("stderr.txt")));
        List<Map<String, Object>> parsed = new Yaml().load(out);
        assertEquals(TABLE.size(), parsed.size(), out);

        List<String> differences = new ArrayList<>();
        for (int i = 0; i < TABLE.size(); i++) {
            Map<String, Object> m = parsed.get(i);
            @SuppressWarnings("unchecked")
            Map<String, String> h = new TreeMap<>((Map<String, String>) m.get("headers"));
            IGNORED.forEach(h::remove);
            Answer harness = new Answer((Integer) m.get("status"), h, (String) m.get("body"));
            Answer real = engine.get(i);
            if (!real.equals(harness)) {
                Row r = TABLE.get(i);
                differences.add(r.method() + " " + r.path() + " " + r.headers() + ":\n  engine:  " + real
                        + "\n  harness: " + harness);
            }
        }
        assertEquals(List.of(), differences, "the harness answered differently:\n" + String.join("\n", differences));
    }

    /** One request on a connection of its own, as written; the answer read by its content-length. */
    static Answer send(int port, Row row) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            StringBuilder head = new StringBuilder(row.method() + " " + row.path() + " HTTP/1.1\r\nhost: 127.0.0.1\r\n");
            row.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            byte[] body = row.body() == null ? new byte[0] : row.body().getBytes(StandardCharsets.ISO_8859_1);
            if (body.length > 0) {
                head.append("content-length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = s.getInputStream();
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new TreeMap<>();
            for (String l = line(in); !l.isEmpty(); l = line(in)) {
                int colon = l.indexOf(':');
                String name = l.substring(0, colon).toLowerCase(Locale.ROOT);
                String value = new String(l.substring(colon + 1).strip().getBytes(StandardCharsets.ISO_8859_1),
                        StandardCharsets.UTF_8);
                headers.merge(name, value, (a, b) -> a + ", " + b);
            }
            int length = headers.containsKey("content-length") && !row.method().equals("HEAD")
                    ? Integer.parseInt(headers.get("content-length")) : 0;
            byte[] b = in.readNBytes(length);
            IGNORED.forEach(headers::remove);
            return new Answer(status, headers, new String(b, StandardCharsets.ISO_8859_1));
        }
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** {@code s} as a JSON string literal: every character outside printable ASCII as a \\u escape. */
    static void jsonString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }

    static String toJson(List<Row> rows) {
        StringBuilder b = new StringBuilder("[");
        for (Row r : rows) {
            if (b.length() > 1) {
                b.append(",\n");
            }
            b.append("{\"method\": ");
            jsonString(b, r.method());
            b.append(", \"path\": ");
            jsonString(b, r.path());
            b.append(", \"headers\": {");
            String sep = "";
            for (Map.Entry<String, String> e : r.headers().entrySet()) {
                b.append(sep);
                jsonString(b, e.getKey());
                b.append(": ");
                jsonString(b, e.getValue());
                sep = ", ";
            }
            b.append("}, \"body\": ");
            if (r.body() == null) {
                b.append("null");
            } else {
                jsonString(b, r.body());
            }
            b.append('}');
        }
        return b.append("]").toString();
    }
}
