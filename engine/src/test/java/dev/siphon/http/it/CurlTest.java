package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The engine driven by the system curl: HTTP/1.1 and HTTP/1.0, HEAD, uploads, 100-continue, reuse. */
class CurlTest {
    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    @TempDir
    Path dir;

    private static String url(HttpEngine e, String path) {
        return "http://127.0.0.1:" + e.port() + path;
    }

    private Path file(String name, int size) throws Exception {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }

    private static int count(String haystack, String needle) {
        return haystack.split(Pattern.quote(needle), -1).length - 1;
    }

    @Test
    void servesHttp11Get() throws Exception {
        HttpEngine e = fx.start();
        Curl.Result r = Curl.ok(dir, "-v", url(e, "/hello/world"));
        assertEquals("hello world", r.out());
        assertTrue(r.stderr().contains("> GET /hello/world HTTP/1.1"), r::toString);
        assertTrue(r.stderr().contains("< HTTP/1.1 200 OK"), r::toString);
        assertTrue(r.stderr().contains("< content-length: 11"), r::toString);
        assertTrue(r.stderr().contains("< content-type: text/plain; charset=utf-8"), r::toString);
    }

    @Test
    void http10RequestIsAnsweredWithConnectionClose() throws Exception {
        HttpEngine e = fx.start();
        Curl.Result r = Curl.ok(dir, "-v", "-0", url(e, "/version"), url(e, "/hello/b"));
        assertEquals("HTTP/1.0hello b", r.out());
        assertTrue(r.stderr().contains("> GET /version HTTP/1.0"), r::toString);
        assertEquals(2, count(r.stderr(), "< connection: close"), r::toString);
        assertFalse(r.stderr().contains("Re-using existing connection"), r::toString);
        assertEquals(2, e.counters().connectionsAccepted(), "one connection per HTTP/1.0 request");
    }

    @Test
    void http10KeepAliveRequestReusesTheConnection() throws Exception {
        HttpEngine e = fx.start();
        Curl.Result r = Curl.ok(dir, "-v", "-0", "-H", "Connection: keep-alive", url(e, "/hello/a"),
                url(e, "/hello/b"));
        assertEquals("hello ahello b", r.out());
        assertEquals(2, count(r.stderr(), "< connection: keep-alive"), r::toString);
        assertTrue(r.stderr().contains("Re-using existing connection"), r::toString);
        assertEquals(1, e.counters().connectionsAccepted());
    }

    @Test
    void headReportsTheGetLengthWithoutABody() throws Exception {
        HttpEngine e = fx.start();
        // Two HEADs on one connection: a body sent after the first would corrupt the second response.
        Curl.Result r = Curl.ok(dir, "-v", "-I", url(e, "/hello/world"), url(e, "/hello/x"));
        String out = r.out();
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), r::toString);
        assertTrue(out.contains("content-length: 11\r\n"), r::toString);
        assertTrue(out.contains("content-length: 7\r\n"), r::toString);
        assertFalse(out.contains("hello"), r::toString);
        assertTrue(r.stderr().contains("Re-using existing connection"), r::toString);
        assertEquals(1, e.counters().connectionsAccepted());
    }

    @Test
    void postsABody() throws Exception {
        HttpEngine e = fx.start();
        Path f = file("body.bin", 3000);
        Curl.Result r = Curl.ok(dir, "-v", "--data-binary", "@" + f, url(e, "/echo"));
        assertArrayEquals(Files.readAllBytes(f), r.stdout());
        assertTrue(r.stderr().contains("< x-body-length: 3000"), r::toString);
    }

    @Test
    void expect100ContinueGetsInterimResponseBeforeBody() throws Exception {
        HttpEngine e = fx.start();
        Path f = file("body.bin", 2048);
        Curl.Result r = Curl.ok(dir, "-v", "-H", "Expect: 100-continue", "--expect100-timeout", "5",
                "--data-binary", "@" + f, url(e, "/echo"));
        assertTrue(r.stderr().contains("> Expect: 100-continue"), r::toString);
        assertTrue(r.stderr().contains("< HTTP/1.1 100 Continue"), r::toString);
        assertTrue(r.stderr().contains("< HTTP/1.1 200 OK"), r::toString);
        assertArrayEquals(Files.readAllBytes(f), r.stdout());
    }

    @Test
    void chunkedUpload() throws Exception {
        HttpEngine e = fx.start();
        Path f = file("body.bin", 100_000);
        Curl.Result r = Curl.ok(dir, "-v", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + f,
                url(e, "/echo"));
        assertTrue(r.stderr().contains("> Transfer-Encoding: chunked"), r::toString);
        assertTrue(r.stderr().contains("< x-transfer-encoding: chunked"), r::toString);
        assertTrue(r.stderr().contains("< x-body-length: 100000"), r::toString);
        assertArrayEquals(Files.readAllBytes(f), r.stdout());
    }

    @Test
    void multipleUrlsReuseOneConnection() throws Exception {
        HttpEngine e = fx.start();
        Curl.Result r = Curl.ok(dir, "-v", url(e, "/hello/a"), url(e, "/hello/b"), url(e, "/query?x=1"),
                url(e, "/nope"));
        assertEquals("hello ahello bx=1;404 Not Found\n", r.out());
        assertEquals(3, count(r.stderr(), "Re-using existing connection"), r::toString);
        assertEquals(1, e.counters().connectionsAccepted());
    }

    @Test
    void curlSeesDateAndContentLengthOnEveryResponse() throws Exception {
        HttpEngine e = fx.start();
        Curl.Result r = Curl.ok(dir, "-v", url(e, "/hello/a"));
        Matcher m = Pattern.compile("< date: \\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT").matcher(r.stderr());
        assertTrue(m.find(), r::toString);
    }
}
