package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Fuzzes the http.yaml loader: any text either loads or fails with one {@link ConfigException}
 * naming the file, never with another exception (snakeyaml's, a number format, an index), a hang
 * (an alias bomb) or a stack overflow (deep nesting). Corpus: {@code ConfigLoaderFuzzTestInputs/parse}
 * (the documented examples, every key, anchors, merges, expansions, and broken files); the
 * dictionary holds every key of the schema.
 *
 * <p>Invariants of a configuration that loads: every number within the bounds its key documents,
 * the buffer large enough for a head and for a frame, no two servers on one address and port,
 * and loading it again gives an equal configuration. Of an error: its message starts with the file
 * name and holds the detail, and its line, when known, is within the text.
 */
class ConfigLoaderFuzzTest {
    private static final String FILE = "fuzz.yaml";
    private static final Path BASE = Path.of("/srv/siphon");
    private static final Map<String, String> ENV = Map.of("PORT", "8080", "HOST", "127.0.0.1", "EMPTY", "",
            "BODY", "65536", "CERT", "certs/server.pem");

    @FuzzTest(maxDuration = "10m")
    @DictionaryFile(resourcePath = "http-yaml.dict")
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        HttpConfig config;
        try {
            config = ConfigLoader.parse(text, FILE, BASE, ENV::get);
        } catch (ConfigException e) {
            assertTrue(e.getMessage().startsWith(FILE + ":") && e.getMessage().endsWith(e.detail()), e.getMessage());
            assertTrue(!e.detail().isEmpty(), "an error says what is wrong");
            // YAML breaks lines at CR, LF, CRLF, NEL, LS and PS (YAML 1.1 §4.1.4)
            int lines = text.split("\r\n|[\r\n\u0085\u2028\u2029]", -1).length;
            assertTrue(e.line() == -1 || (e.line() >= 1 && e.line() <= lines), "line " + e.line() + " within the text");
            return;
        }
        for (ServerConfig s : config.servers()) {
            assertTrue(s.port() >= 0 && s.port() <= 65535, "port");
            assertTrue(s.maxBodyBytes() >= 0 && s.maxBodyBytes() <= ServerConfig.MAX_BODY_BYTES, "max_body_bytes");
            assertTrue(s.requestTimeoutMs() >= 1 && s.requestTimeoutMs() <= Bounds.MAX_TIMEOUT_MS, "request_timeout_ms");
        }
        long distinct = config.servers().stream().filter(s -> s.port() != 0)
                .map(s -> HostPort.canonical(s.host(), s.port())).distinct().count();
        assertEquals(config.servers().stream().filter(s -> s.port() != 0).count(), distinct, "one server per address");
        for (ClientConfig c : config.clients().values()) {
            assertTrue(c.poolSize() >= 1 && c.poolSize() <= ClientConfig.MAX_POOL_SIZE, "pool_size");
            assertTrue(c.timeoutMs() >= 1 && c.timeoutMs() <= Bounds.MAX_TIMEOUT_MS, "timeout_ms");
        }
        EngineSettings e = config.engine();
        assertTrue(e.maxHeaderBytes() >= EngineSettings.MIN_HEADER_BYTES
                && e.maxHeaderBytes() <= EngineSettings.MAX_HEADER_BYTES, "max_header_bytes");
        assertTrue(e.maxHeaderCount() >= 1 && e.maxHeaderCount() <= EngineSettings.MAX_HEADER_COUNT, "max_header_count");
        assertTrue(e.bufferSize() <= EngineSettings.MAX_BUFFER_SIZE, "buffer_size");
        assertTrue(e.bufferSize() >= (long) e.maxHeaderBytes() + EngineSettings.BUFFER_HEADROOM, "a head fits a buffer");
        Http2Settings h2 = e.http2();
        assertTrue(e.bufferSize() >= (long) h2.maxFrameSize() + Http2Settings.FRAME_HEADER_LENGTH, "a frame fits a buffer");
        assertTrue(h2.maxFrameSize() >= Http2Settings.MIN_MAX_FRAME_SIZE
                && h2.maxFrameSize() <= Http2Settings.MAX_MAX_FRAME_SIZE, "max_frame_size");
        assertTrue(h2.initialWindowSize() >= 0 && h2.initialWindowSize() <= Http2Settings.MAX_WINDOW, "window");
        try {
            assertEquals(config, ConfigLoader.parse(text, FILE, BASE, ENV::get), "loading is deterministic");
        } catch (ConfigException again) {
            throw new AssertionError("loaded once, failed the second time: " + again.getMessage(), again);
        }
    }
}
