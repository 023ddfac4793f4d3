package dev.siphon.http.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import dev.siphon.http.tls.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The client example in docs/embedding.md is the code of {@link EmbeddingClientExample}, and it works. */
class ClientDocsExampleTest {

    @Test
    void embeddingDocShowsTheTestedClientExample() throws Exception {
        assertDocShows("EmbeddingClientExample.java");
    }

    @Test
    void embeddingDocShowsTheTestedStreamingExample() throws Exception {
        assertDocShows("EmbeddingStreamExample.java");
    }

    private static void assertDocShows(String file) throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "embedding.md"));
        String source = Files.readString(Path.of("src/test/java/dev/siphon/http/client/" + file));
        Matcher m = Pattern.compile("// --- example: start ---\\n(.*?)    // --- example: end ---", Pattern.DOTALL)
                .matcher(source);
        assertTrue(m.find(), "example markers in " + file);
        String example = m.group(1).stripIndent().strip();
        assertTrue(normalise(doc).contains(normalise(example)),
                "docs/embedding.md must contain the example of " + file + " verbatim:\n" + example);
    }

    @Test
    void streamingExampleCopiesABodyThroughBothWays() throws Exception {
        try (HttpEngine e = HttpEngine.builder()
                .listen(ServerConfig.listen("127.0.0.1:0").withMaxBodyBytes(16 << 20))
                .settings(EngineSettings.defaults().withIoLoops(1))
                .route("PUT", "/files/big", req -> Response.of(200, req.body()))
                .start();
             HttpClient client = HttpClient.builder().baseUrl("http://127.0.0.1:" + e.port()).build()) {
            CountingStream out = new CountingStream();
            assertEquals(10_000_000, EmbeddingStreamExample.putAndCopy(client, "/files/big", 10_000_000, out));
            assertEquals(10_000_000, out.count);
        }
    }

    private static final class CountingStream extends java.io.OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }

    @Test
    void clientExampleWorksOverMutualTls() throws Exception {
        TestPki pki = TestPki.get();
        try (HttpEngine e = HttpEngine.builder()
                .listen(ServerConfig.listen("127.0.0.1:0").withTls(
                        new TlsConfig(pki.file("server.pem"), pki.file("server.key"), pki.file("ca.pem"))))
                .settings(EngineSettings.defaults().withIoLoops(1))
                .route("GET", "/v1/whoami", req -> Response.text(200, req.clientCert().subject()))
                .start()) {
            String base = "https://localhost:" + e.port() + "/v1";
            assertEquals("HTTP/2 O=siphon tests,CN=alice", EmbeddingClientExample.whoami(base, pki.file("ca.pem"),
                    pki.file("alice.pem"), pki.file("alice.key")));
            String refused = EmbeddingClientExample.whoami(base, pki.file("other-ca.pem"), pki.file("alice.pem"),
                    pki.file("alice.key"));
            assertTrue(refused.startsWith("TLS failed: TLS handshake with https://localhost:"), refused);
        }
    }

    private static String normalise(String s) {
        return s.replaceAll("[ \\t]+", " ").replaceAll(" ?\\n ?", "\n");
    }
}
