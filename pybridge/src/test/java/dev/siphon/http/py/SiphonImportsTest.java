package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the {@code siphon} package, read from its sources: which of its modules imports
 * which (every import statement counts, those inside functions too, since a lazy import closes a
 * cycle as surely as one at the top), and which of them hold the worker's Java object. The
 * bridge to Java is one module, {@code siphon._java}, that every other module may import and
 * that imports none of them; above it the imports run one way.
 */
class SiphonImportsTest {
    private static final Path SOURCES = Path.of("src/main/resources/siphon");
    /** {@code from siphon import a, b as c}, {@code from siphon.a import x}, {@code import siphon.a [as x]}. */
    private static final Pattern FROM_PACKAGE = Pattern.compile("^\\s*from\\s+siphon\\s+import\\s+\\(?([\\w\\s,]+)\\)?");
    private static final Pattern FROM_MODULE = Pattern.compile("^\\s*from\\s+siphon\\.(\\w+)\\s+import\\b");
    private static final Pattern IMPORT_MODULE = Pattern.compile("^\\s*import\\s+siphon\\.(\\w+)");
    private static final Pattern RELATIVE = Pattern.compile("^\\s*from\\s+\\.");
    /** A use of a name {@code bridge} that is not {@code _java.bridge}. */
    private static final Pattern BRIDGE = Pattern.compile("(?<![\\w.])bridge\\b|(?<!_java)\\.bridge\\b");

    private static Map<String, String> sources;
    private static Map<String, Set<String>> imports;

    @BeforeAll
    static void read() throws IOException {
        sources = new TreeMap<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".py")).toList()) {
                String name = f.getFileName().toString().replace(".py", "");
                sources.put(name.equals("__init__") ? "siphon" : name, Files.readString(f, StandardCharsets.UTF_8));
            }
        }
        imports = new TreeMap<>();
        for (Map.Entry<String, String> e : sources.entrySet()) {
            imports.put(e.getKey(), importsOf(e.getKey(), e.getValue()));
        }
    }

    private static Set<String> importsOf(String module, String source) {
        Set<String> out = new TreeSet<>();
        for (String line : source.split("\n")) {
            if (RELATIVE.matcher(line).find()) {
                fail(module + " imports relatively, which this test does not follow: " + line.strip());
            }
            Matcher m = FROM_PACKAGE.matcher(line);
            if (m.find()) {
                for (String item : m.group(1).split(",")) {
                    String name = item.strip().split("\\s+")[0];
                    if (!name.isEmpty()) {
                        out.add(name);
                    }
                }
            }
            m = FROM_MODULE.matcher(line);
            if (m.find()) {
                out.add(m.group(1));
            }
            m = IMPORT_MODULE.matcher(line);
            if (m.find()) {
                out.add(m.group(1));
            }
        }
        out.retainAll(sources.keySet()); // names imported from the package that are not modules
        return out;
    }

    @Test
    void theParserSeesTheImportsThePackageIsKnownToHave() {
        // a guard for the parser itself: were it to find nothing, every other test would pass
        assertTrue(imports.get("_runtime").contains("http"), imports.toString());
        assertTrue(imports.get("_runtime").contains("_json"), imports.toString()); // inside a function
        assertTrue(imports.get("_runtime").contains("_aio"), imports.toString());
    }

    @Test
    void theModulesImportOneAnotherWithoutACycle() {
        for (String start : imports.keySet()) {
            List<String> cycle = cycleFrom(start);
            if (cycle != null) {
                fail("import cycle in siphon: " + String.join(" -> ", cycle) + " (all imports: " + imports + ")");
            }
        }
    }

    @Test
    void httpDoesNotImportTheRuntime() {
        assertFalse(imports.get("http").contains("_runtime"), imports.toString());
    }

    @Test
    void theJavaBridgeImportsNoOtherModuleOfThePackage() {
        assertEquals(Set.of(), imports.get("_java"));
    }

    @Test
    void httpCacheLogAndTheRuntimeReachJavaThroughTheBridgeModule() {
        for (String m : List.of("http", "cache", "log", "metrics", "timer", "_runtime", "_aio", "_json")) {
            assertTrue(imports.get(m).contains("_java"), m + " imports " + imports.get(m));
        }
    }

    @Test
    void onlyTheBridgeModuleHoldsTheJavaObject() {
        for (Map.Entry<String, String> e : sources.entrySet()) {
            if (e.getKey().equals("_java")) {
                continue;
            }
            String[] lines = e.getValue().split("\n");
            for (int i = 0; i < lines.length; i++) {
                if (BRIDGE.matcher(lines[i]).find()) {
                    fail("siphon/" + e.getKey() + ".py:" + (i + 1) + " names the Java bridge other than as "
                            + "_java.bridge: " + lines[i].strip());
                }
                if (lines[i].contains("polyglot")) {
                    fail("siphon/" + e.getKey() + ".py:" + (i + 1) + " uses polyglot directly: " + lines[i].strip());
                }
            }
        }
    }

    /** A path of imports from {@code start} back to it, or null. */
    private static List<String> cycleFrom(String start) {
        Deque<List<String>> paths = new ArrayDeque<>();
        paths.add(List.of(start));
        Set<String> seen = new TreeSet<>();
        while (!paths.isEmpty()) {
            List<String> path = paths.poll();
            for (String next : imports.getOrDefault(path.get(path.size() - 1), Set.of())) {
                List<String> longer = new ArrayList<>(path);
                longer.add(next);
                if (next.equals(start)) {
                    return longer;
                }
                if (seen.add(next)) {
                    paths.add(longer);
                }
            }
        }
        return null;
    }
}
