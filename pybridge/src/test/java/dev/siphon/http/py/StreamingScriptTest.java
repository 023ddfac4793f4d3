package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scripts stream bodies (docs/python.md, "Streamed bodies"), served by a real server and driven
 * by curl and raw sockets: {@code stream=True} routes read {@code req.stream()} as the body
 * arrives, {@code http.StreamingResponse} sends an iterator as the client reads it, a client
 * that leaves closes the iterator, a broken or ill-typed iterator cuts the body visibly and is
 * logged with its handler, a stalled upload is answered 408 and the handler's stream raises, and
 * {@code http.Client} relays a body both ways without buffering it.
 */
class StreamingScriptTest {
    static PythonServer server;
    static String base;
    static final List<String> LOG = new CopyOnWriteArrayList<>();
    static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            LOG.add(r.getLevel() + " " + r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        Logger.getLogger("siphon.python").addHandler(CAPTURE);
        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                    request_timeout_ms: 1500
                    max_body_bytes: 65536
                engine:
                  workers: 1
                """, "http.yaml", dir, System::getenv);
        server = PythonServer.start(config, Scripts.path("streaming.py"));
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        Logger.getLogger("siphon.python").removeHandler(CAPTURE);
    }

    record Run(int exit, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    static Run curl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--noproxy", "*", "--max-time", "60"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out, err);
    }

    static Path file(long size) throws IOException {
        Path f = dir.resolve("body-" + size);
        if (!Files.exists(f)) {
            byte[] block = new byte[1 << 20];
            new Random(size).nextBytes(block);
            try (OutputStream out = Files.newOutputStream(f)) {
                for (long w = 0; w < size; w += block.length) {
                    out.write(block, 0, (int) Math.min(block.length, size - w));
                }
            }
        }
        return f;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void aStreamRouteReadsABodyLargerThanTheListenersCapAsItArrives() throws Exception {
        Path f = file(24L << 20);
        String want = (24L << 20) + " " + sha256(Files.readAllBytes(f));
        Run fixed = curl("--data-binary", "@" + f, base + "/upload");
        assertEquals(0, fixed.exit(), fixed.err());
        assertTrue(fixed.text().startsWith(want + " "), fixed.text());
        int chunks = Integer.parseInt(fixed.text().split(" ")[2]);
        assertTrue(chunks > 10, "the body came in pieces, not whole: " + chunks);
        Run chunked = curl("-H", "transfer-encoding: chunked", "--data-binary", "@" + f, base + "/upload");
        assertTrue(chunked.text().startsWith(want + " "), chunked.text());
        // the listener's own cap (64 KiB) still holds for the other routes
        assertEquals("413", curl("-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@" + file(1 << 20),
                base + "/buffered").text());
    }

    @Test
    void bodyStillWorksUpToTheRoutesCapAndStreamIsReadOnce() throws Exception {
        assertEquals("5", curl("-d", "hello", base + "/whole").text());
        assertEquals("413", curl("-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@" + file(1 << 20),
                base + "/whole").text());
        assertEquals("413", curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "transfer-encoding: chunked",
                "--data-binary", "@" + file(1 << 20), base + "/whole").text());
        assertEquals("req.stream() can be read once", curl("-d", "x", base + "/twice").text());
        assertEquals("1 4", curl("-d", "abcd", base + "/buffered").text(), "a buffered route's stream: one chunk");
        assertEquals("TypeError,TypeError,TypeError,ValueError", curl(base + "/bad-constructions").text());
    }

    @Test
    void streamingResponsesAndServerSentEvents() throws Exception {
        assertEquals("line 0\nline 1\nline 2\n", curl(base + "/count/3").text());
        assertEquals("abc", curl(base + "/sync-items").text());
        Run declared = curl("-i", base + "/declared");
        assertTrue(declared.text().contains("content-length: 5"), declared.text());
        assertTrue(declared.text().endsWith("12345"), declared.text());
        // each event leaves when it is yielded: the first arrives long before the iterator ends
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            long t0 = System.nanoTime();
            s.getOutputStream().write("GET /sse HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String first = readUntil(s.getInputStream(), "tick 0");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(first.contains("content-type: text/event-stream"), first);
            assertTrue(first.contains("transfer-encoding: chunked"), first);
            assertTrue(ms < 1000, "the first event took " + ms + " ms (the iterator runs 1.8 s)");
            String rest = readUntil(s.getInputStream(), "0\r\n\r\n");
            assertTrue(rest.contains("tick 2"), rest);
        }
    }

    @Test
    void aClientThatLeavesClosesTheIterator() throws Exception {
        int before = closed();
        for (String path : List.of("/forever", "/idle-forever")) {
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nhost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                readUntil(s.getInputStream(), path.equals("/forever") ? "xxxxxxxx" : "first");
            }
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (closed() < before + 2 && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertEquals(before + 2, closed(), "both iterators' finally ran");
    }

    @Test
    void aBrokenIteratorCutsTheBodyAndIsLoggedWithItsHandler() throws Exception {
        Run broken = curl("-o", "/dev/null", base + "/broken");
        assertEquals(18, broken.exit(), "curl: transfer closed with outstanding read data remaining: " + broken.err());
        Run notBytes = curl("-o", "/dev/null", base + "/not-bytes");
        assertEquals(18, notBytes.exit(), notBytes.err());
        assertTrue(LOG.stream().anyMatch(l -> l.startsWith("SEVERE") && l.contains("streaming.broken")
                && l.contains("boom in the middle")), LOG.toString());
        assertTrue(LOG.stream().anyMatch(l -> l.startsWith("SEVERE") && l.contains("streaming.not_bytes")
                && l.contains("it must yield bytes or str")), LOG.toString());
        assertEquals("line 0\n", curl(base + "/count/1").text(), "the server goes on serving");
    }

    @Test
    void aStalledUploadGets408AndTheHandlersStreamRaises() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n0123456789"
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = readUntil(s.getInputStream(), "\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!curl(base + "/state").text().contains("\"stream_errors\": [408") && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertTrue(curl(base + "/state").text().contains("\"stream_errors\": [408"), curl(base + "/state").text());
    }

    @Test
    void aBodyRelayedThroughTheClientStreamsBothWays() throws Exception {
        for (long size : new long[] {1, 200_000, 8L << 20}) {
            Path f = file(size);
            for (boolean chunked : new boolean[] {false, true}) {
                Path out = dir.resolve("relayed-" + size + "-" + chunked);
                List<String> args = new ArrayList<>(List.of("--data-binary", "@" + f, "-o", out.toString()));
                if (chunked) {
                    args.addAll(List.of("-H", "transfer-encoding: chunked"));
                }
                args.add(base + "/relay/" + server.port());
                Run r = curl(args.toArray(String[]::new));
                assertEquals(0, r.exit(), r.err());
                assertEquals(sha256(Files.readAllBytes(f)), sha256(Files.readAllBytes(out)), size + " " + chunked);
            }
        }
    }

    private static int closed() throws Exception {
        String s = curl(base + "/state").text();
        int at = s.indexOf("\"closed\": ") + 10;
        return Integer.parseInt(s.substring(at, s.indexOf(',', at)).strip());
    }

    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            if (b.size() >= marker.length() && b.toString(StandardCharsets.ISO_8859_1).endsWith(marker)) {
                break;
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
