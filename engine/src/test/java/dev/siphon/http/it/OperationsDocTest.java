package dev.siphon.http.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/operations.md is checked: its Prometheus configuration and alerting rules pass promtool,
 * and every metric family the engine exports is in its tables (and every one they name exists).
 */
class OperationsDocTest {
    static final Path DOC = Path.of("").toAbsolutePath().getParent().resolve("docs/operations.md");

    @TempDir
    Path dir;

    /** The fenced YAML block whose first line is {@code # <name>}. */
    static String block(String doc, String name) {
        Matcher m = Pattern.compile("```yaml\n# " + Pattern.quote(name) + "\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), "no ```yaml block starting # " + name + " in " + DOC);
        return m.group(1);
    }

    @Test
    void theScrapeConfigAndTheAlertingRulesPassPromtool() throws Exception {
        String doc = Files.readString(DOC);
        Files.writeString(dir.resolve("prometheus.yml"), block(doc, "prometheus.yml"));
        Files.writeString(dir.resolve("siphon-rules.yml"), block(doc, "siphon-rules.yml"));
        promtool("check", "config", dir.resolve("prometheus.yml").toString());
        String rules = promtool("check", "rules", dir.resolve("siphon-rules.yml").toString());
        assertTrue(rules.contains("SUCCESS: 4 rules found"), rules);
    }

    @Test
    void everyExportedFamilyIsDocumentedAndEveryDocumentedOneExported() throws Exception {
        String doc = Files.readString(DOC);
        Set<String> exported = new LinkedHashSet<>();
        try (HttpEngine e = HttpEngine.builder().listen("127.0.0.1:0").admin("127.0.0.1:0")
                .route("GET", "/x", req -> Response.text(200, "x")).start()) {
            Curl.ok(dir, "http://127.0.0.1:" + e.port() + "/x");
            String text = Curl.ok(dir, e.adminUrl() + "/metrics").out();
            Matcher m = Pattern.compile("(?m)^# TYPE (\\S+) ").matcher(text);
            while (m.find()) {
                exported.add(m.group(1));
            }
        }
        Set<String> documented = new LinkedHashSet<>();
        Matcher row = Pattern.compile("(?m)^\\| (`siphon_[^|]*)\\|").matcher(doc);
        while (row.find()) {
            Matcher name = Pattern.compile("`(siphon_[a-z0-9_]+)`").matcher(row.group(1));
            while (name.find()) {
                documented.add(name.group(1));
            }
        }
        Set<String> undocumented = new LinkedHashSet<>(exported);
        undocumented.removeAll(documented);
        Set<String> missing = new LinkedHashSet<>(documented);
        missing.removeAll(exported);
        // the Python workers', scripts' clients' and caches' families come with the launcher's server:
        // ScriptMetricsTest and CacheRedisTest check those
        missing.removeIf(n -> n.startsWith("siphon_python_") || n.startsWith("siphon_client_")
                || n.startsWith("siphon_cache_"));
        assertEquals(Set.of(), undocumented, "exported but not in docs/operations.md");
        assertEquals(Set.of(), missing, "in docs/operations.md but not exported");
    }

    private String promtool(String... args) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            fail("promtool is required (Debian's prometheus package; bin/ensure-tools installs it)");
        }
        String[] cmd = new String[args.length + 1];
        cmd[0] = promtool.toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(dir.toFile()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + ":\n" + out);
        return out;
    }
}
