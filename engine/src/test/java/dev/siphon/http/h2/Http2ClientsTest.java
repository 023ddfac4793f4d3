package dev.siphon.http.h2;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real HTTP/2 clients against a real engine: curl, nghttp, h2load and python-h2. */
@Timeout(60)
class Http2ClientsTest {
    private static final String PYTHON = "/usr/bin/python3";
    private Http2TestServer server;
    @TempDir
    Path tmp;

    @BeforeAll
    static void clientsInstalled() throws Exception {
        for (String tool : new String[] {"/usr/bin/curl", "/usr/bin/nghttp", "/usr/bin/h2load", PYTHON}) {
            assertTrue(new File(tool).canExecute(), tool + " is required for these tests");
        }
        Result r = run(List.of(PYTHON, "-c", "import h2; print(h2.__version__)"));
        assertEquals(0, r.code, "python3 must have the h2 library: " + r.out);
    }

    @BeforeEach
    void start() throws Exception {
        server = new Http2TestServer();
    }

    @AfterEach
    void stop() {
        server.engine.close();
        assertEquals(0, server.engine.buffersOutstanding());
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    record Result(int code, String out) {}

    private static Result run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(50, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private Result curl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/curl", "-sS", "--http2-prior-knowledge"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    @Test
    void curlGetPostHead() throws Exception {
        Result get = curl("-w", "|%{http_version}", url("/hello"));
        assertEquals("hello HTTP/2|2", get.out());
        Result post = curl("-d", "payload", url("/echo"));
        assertEquals("payload", post.out());
        Result head = curl("-I", url("/hello"));
        assertTrue(head.out().startsWith("HTTP/2 200"), head.out());
        assertTrue(head.out().contains("content-length: 12"), head.out());
    }

    @Test
    void curlLargeBodiesBothWays() throws Exception {
        Path up = tmp.resolve("up.bin");
        Files.write(up, Http2TestServer.pattern(900_000));
        Path down = tmp.resolve("down.bin");
        Result post = curl("--data-binary", "@" + up, "-o", down.toString(), "-w", "%{http_code}", url("/echo"));
        assertEquals("200", post.out());
        assertTrue(Http2TestServer.isPattern(Files.readAllBytes(down), 900_000));
        Result big = curl("-o", down.toString(), "-w", "%{http_code}", url("/big/3000000"));
        assertEquals("200", big.out());
        assertTrue(Http2TestServer.isPattern(Files.readAllBytes(down), 3_000_000));
        Result tooBig = curl("--data-binary", "@" + up, "--data-binary", "@" + up, "-o", "/dev/null",
                "-w", "%{http_code}", url("/echo"));
        assertEquals("413", tooBig.out());
    }

    @Test
    void nghttpShowsSettingsAndHeadersExchange() throws Exception {
        Result r = run(List.of("/usr/bin/nghttp", "-nv", url("/hello")));
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("recv SETTINGS frame"), r.out());
        assertTrue(r.out().contains("SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100"), r.out());
        assertTrue(r.out().contains("recv SETTINGS frame <length=0, flags=0x01"), "our ack of its SETTINGS\n" + r.out());
        assertTrue(r.out().contains("recv (stream_id=13) :status: 200"), r.out());
        assertTrue(r.out().contains("recv HEADERS frame"), r.out());
    }

    @Test
    void h2loadCompletesWithAll2xx() throws Exception {
        Result r = run(List.of("/usr/bin/h2load", "-n", "2000", "-c", "4", "-m", "10", url("/hello")));
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("2000 succeeded, 0 failed"), r.out());
        assertTrue(r.out().contains("status codes: 2000 2xx"), r.out());
    }

    @Test
    void pythonH2FlowControlAndTrailers() throws Exception {
        Path script = Path.of("src/test/resources/h2/flow_control.py");
        Result r = run(List.of(PYTHON, script.toString(), Integer.toString(server.port())));
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("\"upload_echoed\": true"), r.out());
        assertTrue(r.out().contains("\"trailer\": \"yes\""), r.out());
        assertTrue(r.out().contains("\"download_ok\": true"), r.out());
        assertTrue(r.out().contains("\"status\": \"200\""), r.out());
    }
}
