package dev.siphon.http.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * docs/architecture.md names the classes and packages each step of the data paths belongs to;
 * every one it names must exist in the sources, so the document cannot drift from the code
 * unnoticed when a class is renamed or moved.
 */
class ArchitectureDocTest {
    private static final Path ROOT = Path.of("..");
    /** A class name: two or more capitalised words (SocketPump, Http2Session, EventLoop.ChannelHandler). */
    private static final Pattern CLASS = Pattern.compile("\\b([A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+)(?:\\.([A-Z][A-Za-z0-9]+))?\\b");
    /** A package of this project, as the document writes it: `net`, `h2.hpack`, `dev.siphon.http.router`. */
    private static final Pattern PACKAGE = Pattern.compile("`(?:dev\\.siphon\\.http\\.)?([a-z][a-z0-9]*(?:\\.[a-z][a-z0-9]*)*)`");

    @Test
    void everyClassItNamesExists() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/architecture.md"));
        Set<String> sources = sourceFiles("src/main/java", "src/test/java") // tests are named too
                .map(p -> p.getFileName().toString().replace(".java", "")).collect(Collectors.toSet());
        Set<String> named = new TreeSet<>();
        Matcher m = CLASS.matcher(doc);
        while (m.find()) {
            named.add(m.group(1));
        }
        named.removeAll(Set.of("HashMap", "ServiceLoader", "GraalPy", "BouncyCastle", "JCTools", "HdrHistogram", "TLS", "HotSpot"));
        List<String> missing = new ArrayList<>();
        for (String n : named) {
            if (!sources.contains(n) && !nested(n)) {
                missing.add(n);
            }
        }
        assertTrue(named.size() > 20, "found only " + named);
        assertEquals(List.of(), missing, "classes docs/architecture.md names that are not in the sources");
    }

    @Test
    void everyPackageItNamesExists() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/architecture.md"));
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = sourceFiles("src/main/java")) {
            files.forEach(p -> {
                String s = p.toString().replace('\\', '/');
                int at = s.indexOf("/java/dev/siphon/http");
                if (at < 0) {
                    return; // module-info.java
                }
                String pkg = s.substring(at + "/java/".length(), s.lastIndexOf('/')).replace('/', '.');
                packages.add(pkg.equals("dev.siphon.http") ? "" : pkg.substring("dev.siphon.http.".length()));
            });
        }
        Matcher m = PACKAGE.matcher(doc);
        List<String> missing = new ArrayList<>();
        int seen = 0;
        while (m.find()) {
            String p = m.group(1);
            if (p.startsWith("siphon") || p.contains("yaml") || p.startsWith("bench") || !looksLikePackage(p)) {
                continue; // the Python package, file names, commands
            }
            seen++;
            if (!packages.contains(p)) {
                missing.add(p);
            }
        }
        assertTrue(seen >= 5, "found only " + seen + " package names");
        assertEquals(List.of(), missing, "packages docs/architecture.md names that are not in the sources");
    }

    private static boolean looksLikePackage(String p) {
        return Set.of("net", "h1", "h2", "h2.hpack", "dispatch", "config", "internal", "router", "tls", "client", "py",
                "codec", "server", "metrics").contains(p) || p.startsWith("h2.") || p.startsWith("codec.");
    }

    /** A nested type named as Outer.Inner in the document: the outer one's source declares it. */
    private static boolean nested(String name) throws IOException {
        try (Stream<Path> files = sourceFiles("src/main/java")) {
            return files.anyMatch(p -> {
                try {
                    return Files.readString(p).matches("(?s).*\\b(class|interface|record|enum) " + name + "\\b.*");
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private static Stream<Path> sourceFiles(String... dirs) throws IOException {
        List<Path> roots = new ArrayList<>();
        for (String module : List.of("engine", "router", "tls", "client", "pybridge")) {
            for (String dir : dirs) {
                Path r = ROOT.resolve(module).resolve(dir);
                if (Files.isDirectory(r)) {
                    roots.add(r);
                }
            }
        }
        return roots.stream().flatMap(r -> {
            try {
                return Files.walk(r).filter(p -> p.toString().endsWith(".java")).toList().stream();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
