package dev.siphon.http.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/**
 * Keeps docs/configuration.md honest: its first {@code yaml} block is the complete example, it
 * loads, and it is the same text as the example-http.yaml that {@link ConfigLoaderTest} checks
 * value by value.
 */
class DocumentedExampleTest {

    /** Relative to the engine module, where Maven runs the tests. */
    static final Path DOC = Path.of("../docs/configuration.md");

    static String firstYamlBlock(String markdown) {
        int start = markdown.indexOf("```yaml\n");
        assertTrue(start >= 0, "no ```yaml block in " + DOC);
        start += "```yaml\n".length();
        int end = markdown.indexOf("\n```", start);
        assertTrue(end >= 0, "unterminated ```yaml block in " + DOC);
        return markdown.substring(start, end + 1);
    }

    @Test
    void documentedExampleLoads() throws Exception {
        String example = firstYamlBlock(Files.readString(DOC));
        HttpConfig c = ConfigLoader.parse(example, DOC + " (first yaml block)", name -> null);
        assertEquals(2, c.servers().size());
        assertEquals(2, c.clients().size());
    }

    @Test
    void documentedExampleIsTheTestedExampleFile() throws Exception {
        String example = firstYamlBlock(Files.readString(DOC));
        String tested = Files.readString(ConfigLoaderTest.resource("example-http.yaml"));
        assertEquals(tested, example, "docs/configuration.md and config/example-http.yaml have drifted apart");
    }
}
