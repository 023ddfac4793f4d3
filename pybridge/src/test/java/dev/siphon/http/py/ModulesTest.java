package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module boundaries of issue 13, checked on the built jars (target/lib holds the siphon jars
 * this module was built against, target/classes this module): what each module exports to
 * everyone, no package cycle within or across modules (jdeps), a client that reaches none of the
 * server's packages, and the engine, TLS and client modules serving and asking on the module path.
 */
class ModulesTest {
    private static final Path LIB = Path.of("target/lib");
    private static final Path JIT = Path.of("target/jit");
    private static final Set<String> SERVER_PACKAGES = Set.of("dev.siphon.http.server", "dev.siphon.http.dispatch",
            "dev.siphon.http.h1", "dev.siphon.http.h2.server");

    @Test
    void eachModuleExportsItsApiToEveryoneAndItsLayersOnlyToThisProjectsModules() {
        Map<String, ModuleDescriptor> mods = new TreeMap<>();
        for (ModuleReference r : ModuleFinder.of(siphonJars().toArray(Path[]::new)).findAll()) {
            mods.put(r.descriptor().name(), r.descriptor());
        }
        mods.put("dev.siphon.http.py", ModuleFinder.of(Path.of("target/classes")).findAll().iterator().next().descriptor());
        Map<String, String> open = new TreeMap<>();
        Map<String, Set<String>> qualified = new TreeMap<>();
        mods.forEach((name, d) -> {
            open.put(name, d.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
                    .sorted().collect(Collectors.joining(" ")));
            for (ModuleDescriptor.Exports e : d.exports()) {
                if (e.isQualified()) {
                    qualified.computeIfAbsent(e.source(), k -> new TreeSet<>()).addAll(e.targets());
                }
            }
        });
        assertEquals(Map.of(
                "dev.siphon.http", "dev.siphon.http dev.siphon.http.config dev.siphon.http.metrics",
                "dev.siphon.http.router", "dev.siphon.http.router",
                "dev.siphon.http.client", "dev.siphon.http.client",
                "dev.siphon.http.tls", "",
                "dev.siphon.http.py", "dev.siphon.http.py"), open);
        for (Map.Entry<String, Set<String>> e : qualified.entrySet()) {
            assertTrue(mods.keySet().containsAll(e.getValue()), e.getKey() + " is exported only to this project's modules");
            if (SERVER_PACKAGES.contains(e.getKey())) {
                assertTrue(!e.getValue().contains("dev.siphon.http.client"), "the client is given " + e.getKey());
            }
        }
    }

    @Test
    void noPackageDependsOnItselfThroughOthersWithinOrAcrossModules() {
        Map<String, Set<String>> graph = packageGraph();
        assertTrue(graph.containsKey("dev.siphon.http.h2.server") && graph.containsKey("dev.siphon.http.py"),
                "jdeps saw every module: " + graph.keySet());
        List<List<String>> cycles = stronglyConnected(graph).stream().filter(c -> c.size() > 1).toList();
        assertEquals(List.of(), cycles, "package cycles");
    }

    @Test
    void theClientReachesNoneOfTheServersPackages() {
        Map<String, Set<String>> graph = packageGraph();
        Set<String> reached = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of("dev.siphon.http.client"));
        while (!todo.isEmpty()) {
            String p = todo.pop();
            if (reached.add(p)) {
                todo.addAll(graph.getOrDefault(p, Set.of()));
            }
        }
        assertTrue(reached.containsAll(Set.of("dev.siphon.http.h2", "dev.siphon.http.h2.hpack", "dev.siphon.http.codec",
                "dev.siphon.http.net")), "the client's packages use the shared layer: " + reached);
        Set<String> server = new TreeSet<>(reached);
        server.retainAll(SERVER_PACKAGES);
        assertEquals(Set.of(), server, "server packages the client reaches, from " + reached);
    }

    @Test
    void theEngineTlsAndClientServeAndAskOnTheModulePath(@TempDir Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        run(dir, 60, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString());
        Path program = Path.of("src/test/resources/modulepath/ModulePathSmoke.java").toAbsolutePath();
        String modulePath = LIB.toAbsolutePath().toString(); // the siphon jars and their third-party jars
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String out = run(dir, 120, java, "--module-path", modulePath,
                "--add-modules", "dev.siphon.http.client,dev.siphon.http.tls",
                program.toString(), cert.toString(), key.toString());
        assertTrue(out.contains("modules dev.siphon.http dev.siphon.http.client"), "named modules, not the class path: " + out);
        assertTrue(out.contains("http HTTP/1.1 200 hi modules"), out);
        assertTrue(out.contains("https HTTP/2 200 hi modules"), "TLS from the tls module's service, h2 by ALPN: " + out);
    }

    private static List<Path> siphonJars() {
        try (var s = Files.list(LIB)) {
            List<Path> jars = s.filter(p -> p.getFileName().toString().startsWith("siphon-")).sorted().toList();
            assertEquals(4, jars.size(), "engine, router, tls and client in " + LIB + ": " + jars);
            return jars.stream().map(Path::toAbsolutePath).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Package to the packages it uses, over the siphon jars and this module's classes, from jdeps. */
    private static Map<String, Set<String>> packageGraph() {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow(() -> new AssertionError("no jdeps in this JDK"));
        List<String> args = new ArrayList<>(List.of("--module-path", LIB + ":" + JIT, "--multi-release", "21",
                "-verbose:package", "-filter:none"));
        siphonJars().forEach(p -> args.add(p.toString()));
        args.add("target/classes");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = jdeps.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                args.toArray(String[]::new));
        assertEquals(0, rc, "jdeps: " + err.toString(StandardCharsets.UTF_8));
        Map<String, Set<String>> graph = new TreeMap<>();
        Matcher m = Pattern.compile("(?m)^\\s+(dev\\.siphon\\S*)\\s+->\\s+(dev\\.siphon\\S*)\\s").matcher(out.toString(StandardCharsets.UTF_8));
        while (m.find()) {
            graph.computeIfAbsent(m.group(1), k -> new TreeSet<>());
            if (!m.group(1).equals(m.group(2))) {
                graph.get(m.group(1)).add(m.group(2));
            }
        }
        return graph;
    }

    /** Tarjan's strongly connected components. */
    private static List<List<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<List<String>> out = new ArrayList<>();
        for (String v : graph.keySet()) {
            if (!index.containsKey(v)) {
                connect(v, graph, index, low, stack, out);
            }
        }
        return out;
    }

    private static void connect(String v, Map<String, Set<String>> graph, Map<String, Integer> index,
                                Map<String, Integer> low, Deque<String> stack, List<List<String>> out) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        for (String w : graph.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                connect(w, graph, index, low, stack, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            List<String> c = new ArrayList<>();
            String w;
            do {
                w = stack.pop();
                c.add(w);
            } while (!w.equals(v));
            out.add(c);
        }
    }

    private static String run(Path dir, int seconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "in time: " + String.join(" ", cmd));
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + text);
        return text;
    }
}
