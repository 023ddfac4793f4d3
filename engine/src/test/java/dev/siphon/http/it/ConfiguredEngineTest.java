package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.LoopThreads;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The engine started from an http.yaml file: its listeners, limits and engine settings apply. */
class ConfiguredEngineTest {
    @RegisterExtension
    final EngineFixture fx = new EngineFixture();

    @TempDir
    Path dir;

    @Test
    void servesTheListenersAndLimitsOfAnHttpYaml() throws Exception {
        Path yaml = dir.resolve("http.yaml");
        Files.writeString(yaml, """
                servers:
                  - listen: 127.0.0.1:0
                    max_body_bytes: 16
                    request_timeout_ms: 2000
                engine:
                  io_loops: 2
                  loop_threads: platform
                  shutdown_grace_ms: 500
                """);
        HttpEngine engine = fx.track(HttpEngine.builder()
                .config(yaml)
                .route("POST", "/echo", req -> Response.of(200, req.body()))
                .start());
        assertEquals(2, engine.settings().ioLoops());
        assertEquals(LoopThreads.PLATFORM, engine.settings().loopThreads());
        RawConnection c = fx.track(new RawConnection(engine.port()));
        c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
        RawResponse ok = c.read();
        assertEquals(200, ok.status(), ok::toString);
        assertEquals("hello", ok.text());
        c.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n");
        assertEquals(413, c.read().status(), "max_body_bytes from the file applies");
        engine.close();
        assertEquals(0, engine.buffersOutstanding());
    }

    @Test
    void badConfigStopsStartUpNamingFileKeyAndLine() throws Exception {
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, """
                servers:
                  - listen: 127.0.0.1:0
                    max_body_bytes: lots
                """);
        ConfigException e = assertThrows(ConfigException.class, () -> HttpEngine.builder().config(yaml));
        assertTrue(e.getMessage().contains("bad.yaml:3"), e.getMessage());
        assertTrue(e.getMessage().contains("servers[0].max_body_bytes"), e.getMessage());
    }

    @Test
    void portInUseStopsStartUpNamingTheAddressAndLeavesNothingRunning() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path yaml = dir.resolve("http.yaml");
            Files.writeString(yaml, "engine:\n  loop_threads: platform\nservers:\n  - listen: 127.0.0.1:0\n  - listen: 127.0.0.1:" + taken.getLocalPort() + "\n");
            IOException e = assertThrows(IOException.class, () -> HttpEngine.builder().config(yaml).start());
            assertTrue(e.getMessage().contains("127.0.0.1:" + taken.getLocalPort()), e.getMessage());
        }
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().startsWith("siphon-loop-") && t.isAlive()),
                "a failed start leaves no loop thread");
    }
}
