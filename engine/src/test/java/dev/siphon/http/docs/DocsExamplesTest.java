package dev.siphon.http.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Java examples in docs/ are the code of {@link EmbeddingExample}, and they work. */
class DocsExamplesTest {
    private static final Path DOCS = Path.of("..", "docs");

    @Test
    void embeddingDocShowsTheTestedExample() throws Exception {
        assertShowsExample(Files.readString(DOCS.resolve("embedding.md")), "docs/embedding.md");
    }

    @Test
    void readmeShowsTheTestedExample() throws Exception {
        assertShowsExample(Files.readString(Path.of("..", "README.md")), "README.md");
    }

    private static void assertShowsExample(String doc, String docName) throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/siphon/http/docs/EmbeddingExample.java"));
        Matcher m = Pattern.compile("// --- example: start ---\\n(.*?)    // --- example: end ---", Pattern.DOTALL)
                .matcher(source);
        assertTrue(m.find(), "example markers in EmbeddingExample.java");
        String example = m.group(1).stripIndent().strip();
        assertTrue(normalise(doc).contains(normalise(example)),
                docName + " must contain the example of EmbeddingExample.java verbatim:\n" + example);
    }

    @Test
    void embeddingExampleServes() throws Exception {
        try (HttpEngine engine = EmbeddingExample.start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI base = URI.create("http://127.0.0.1:" + engine.port());
            HttpResponse<String> hello = client.send(HttpRequest.newBuilder(base.resolve("/hello/docs")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, hello.statusCode());
            assertEquals("hi docs", hello.body());
            HttpResponse<String> job = client.send(HttpRequest.newBuilder(base.resolve("/jobs"))
                    .POST(HttpRequest.BodyPublishers.ofString("12345")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(202, job.statusCode());
            assertEquals("queued 5 bytes", job.body());
        }
    }

    private static String normalise(String s) {
        return s.replaceAll("[ \\t]+", " ").replaceAll(" ?\\n ?", "\n");
    }
}
