package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real command, bin/siphon-http, as a user runs it (the jar was built before the tests). */
class LauncherTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    static final Path LAUNCHER = ROOT.resolve("bin/siphon-http");
    static final Path EXAMPLES = ROOT.resolve("examples");

    record Run(int status, String out, String err) {}

    static Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(LAUNCHER.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Path out = Files.createTempFile("siphon-out", ".txt");
        Path err = Files.createTempFile("siphon-err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("siphon-http " + String.join(" ", args) + " did not exit");
        }
        Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }

    static Run run(String... args) throws IOException, InterruptedException {
        return run(Map.of(), args);
    }

    static Path write(Path dir, String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    /** Waits (up to 3 minutes) for the launcher's first "listening on URL" line; returns the URL. */
    static String awaitListening(Process p, Path out, Path err) throws IOException, InterruptedException {
        Matcher m = Pattern.compile("listening on (\\S+)").matcher("");
        for (int i = 0; i < 1800 && p.isAlive() && !m.reset(Files.readString(out)).find(); i++) {
            Thread.sleep(100);
        }
        assertTrue(m.reset(Files.readString(out)).find(), "no listening line; stderr:\n" + Files.readString(err));
        return m.group(1);
    }

    /** An http.yaml with one TLS listener on a free loopback port and one worker. */
    static Path tlsYaml(Path dir, Path cert, Path key) throws IOException {
        return write(dir, "http.yaml", """
                servers:
                  - listen: 127.0.0.1:0
                    tls:
                      cert_path: %s
                      key_path: %s
                engine:
                  workers: 1
                """.formatted(cert, key));
    }

    static Path listenYaml(Path dir, String listen) throws IOException {
        return write(dir, "http.yaml", "servers:\n  - listen: " + listen + "\n");
    }

    @Test
    void helpAndVersion() throws Exception {
        Run help = run("--help");
        assertEquals(0, help.status());
        assertTrue(help.out().startsWith("usage: siphon-http --config http.yaml --script app.py"), help.out());
        Run version = run("--version");
        assertEquals(0, version.status());
        assertTrue(version.out().matches("siphon-http \\S+ \\(GraalPy 25\\.0\\.\\d+\\)\\s*"), version.out());
    }

    @Test
    void unknownArgumentIsAUsageError() throws Exception {
        Run r = run("--nope");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("unknown argument --nope"), r.err());
    }

    @Test
    void badConfigNamesFileLineAndKey(@TempDir Path dir) throws Exception {
        Path yaml = write(dir, "http.yaml", "servers:\n  - listen: 127.0.0.1:0\n    bogus: 1\n");
        Path script = write(dir, "app.py", "from siphon import http\n");
        Run r = run("--config", yaml.toString(), "--script", script.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains(yaml + ":3") && r.err().contains("bogus"), r.err());
    }

    @Test
    void checkThroughASiphonYamlWithRelativePaths(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("conf"));
        Files.copy(EXAMPLES.resolve("http.yaml"), dir.resolve("conf/http.yaml"));
        Files.copy(EXAMPLES.resolve("hello.py"), dir.resolve("hello.py"));
        Path siphon = write(dir, "siphon.yaml", """
                name: demo            # the host's own keys are ignored
                extensions:
                  http: conf/http.yaml
                script:
                  path: hello.py
                """);
        Run r = run("--siphon-config", siphon.toString(), "--check");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("ok, 2 route(s)"), r.out());
    }

    /** A bad entry of siphon.yaml's cache: stops start-up with file, line and key; nothing else starts. */
    @Test
    void aBadCacheEntryStopsStartUp(@TempDir Path dir) throws Exception {
        Files.copy(EXAMPLES.resolve("http.yaml"), dir.resolve("http.yaml"));
        Files.copy(EXAMPLES.resolve("hello.py"), dir.resolve("hello.py"));
        Path siphon = write(dir, "siphon.yaml", """
                extensions:
                  http: http.yaml
                script:
                  path: hello.py
                cache:
                  - name: sessions
                    url: redis://:secret@127.0.0.1:70000/0
                """);
        Run r = run("--siphon-config", siphon.toString(), "--check");
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().contains(siphon + ":7: cache[0].url: ") && r.err().contains("port"), r.err());
        assertFalse(r.err().contains("secret"), r.err());
    }

    @Test
    void importErrorFailsTheCheck(@TempDir Path dir) throws Exception {
        Path script = write(dir, "app.py", "from siphon import http\nimport no_such_module_anywhere\n");
        Run r = run("--check", "--config", listenYaml(dir, "127.0.0.1:0").toString(), "--script", script.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("failed to load") && r.err().contains("ModuleNotFoundError")
                && r.err().contains("no_such_module_anywhere") && r.err().contains("line 2"), r.err());
    }

    @Test
    void syntaxErrorStopsStartUp(@TempDir Path dir) throws Exception {
        Path script = write(dir, "broken.py", "from siphon import http\n\n@http.route('/x')\ndef f(req:\n    pass\n");
        Run r = run("--config", listenYaml(dir, "127.0.0.1:0").toString(), "--script", script.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("broken.py") && r.err().contains("SyntaxError"), r.err());
        assertFalse(r.out().contains("listening"), r.out());
    }

    @Test
    void conflictingRoutesStopStartUpNamingBothPatterns(@TempDir Path dir) throws Exception {
        Path script = write(dir, "routes.py", """
                from siphon import http

                @http.route("/users/{id}")
                def one(req):
                    return http.Response()

                @http.route("/users/{name}")
                def two(req):
                    return http.Response()
                """);
        Run r = run("--config", listenYaml(dir, "127.0.0.1:0").toString(), "--script", script.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("/users/{id}") && r.err().contains("/users/{name}") && r.err().contains("routes.two"),
                r.err());
        assertFalse(r.out().contains("listening"), r.out());
    }

    @Test
    void onStartupThatRaisesStopsStartUpWithNothingListening(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path script = write(dir, "hooks.py", """
                from siphon import http

                @http.on_startup
                async def connect():
                    raise ValueError("no database")

                @http.route("/")
                def root(req):
                    return http.Response()
                """);
        Run r = run("--config", listenYaml(dir, "127.0.0.1:" + port).toString(), "--script", script.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("@http.on_startup hook hooks.connect raised")
                && r.err().contains("ValueError: no database") && r.err().contains("Traceback"), r.err());
        assertFalse(r.out().contains("listening"), r.out());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            throw new AssertionError("something listens on " + port);
        } catch (IOException expected) {
            // nothing listens
        }
    }

    /**
     * The server serves as soon as worker 0 is ready; a later worker that cannot load the same
     * script stops the process with status 1 and the script's error (a half-started server must
     * not stay up). The script loads only where it is first to create a marker file.
     */
    @Test
    void aLaterWorkerThatCannotLoadTheScriptStopsTheServer(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("first.txt");
        Path script = write(dir, "once.py", """
                import os
                from siphon import http

                os.close(os.open(%s, os.O_CREAT | os.O_EXCL | os.O_WRONLY))  # FileExistsError in the second worker

                @http.route("/")
                def root(req):
                    return http.Response(body="up")
                """.formatted("'" + marker.toString().replace("'", "\\'") + "'"));
        Path yaml = write(dir, "http.yaml", "servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 2\n");
        Run r = run("--config", yaml.toString(), "--script", script.toString());
        assertEquals(1, r.status(), r.err());
        assertTrue(r.out().contains("listening on"), "worker 0 should have served first: " + r.out());
        assertTrue(r.err().contains("FileExistsError"), r.err());
        assertTrue(Files.exists(marker));
    }

    /** --check reads a TLS listener's PEM files as serving would, and names the missing one. */
    @Test
    void checkReadsTheTlsFiles(@TempDir Path dir) throws Exception {
        Path config = tlsYaml(dir, dir.resolve("nowhere.pem"), dir.resolve("nowhere.key"));
        Run r = run("--config", config.toString(), "--script", EXAMPLES.resolve("hello.py").toString(), "--check");
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("nowhere.pem"), r.err());
        assertFalse(r.out().contains("ok,"), r.out());
    }

    /** A GraalPy resource cache that cannot be written is named, with the way out, before GraalPy fails on it. */
    @Test
    void unwritableResourceCacheIsNamed(@TempDir Path dir) throws Exception {
        Path file = write(dir, "a-file", "not a directory\n");
        Path cache = file.resolve("cache");
        Run r = run(Map.of("SIPHON_JAVA_OPTS", "-Dpolyglot.engine.userResourceCache=" + cache),
                "--config", listenYaml(dir, "127.0.0.1:0").toString(),
                "--script", EXAMPLES.resolve("hello.py").toString(), "--check");
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().contains("GraalPy unpacks its Python home into " + cache), r.err());
        assertTrue(r.err().contains("-Dpolyglot.engine.userResourceCache=DIR"), r.err());
    }

    /** A TLS listener is announced as https:// on stdout (and answers over TLS). */
    @Test
    void tlsListenerIsAnnouncedAsHttps(@TempDir Path dir) throws Exception {
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.pem", "-subj",
                "/CN=localhost", "-days", "2", "-addext", "subjectAltName=IP:127.0.0.1")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String made = new String(openssl.getInputStream().readAllBytes());
        assertTrue(openssl.waitFor(30, TimeUnit.SECONDS) && openssl.exitValue() == 0, made);
        Path config = tlsYaml(dir, dir.resolve("server.pem"), dir.resolve("server.key"));
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(LAUNCHER.toString(), "--config", config.toString(),
                "--script", EXAMPLES.resolve("hello.py").toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            String url = awaitListening(p, out, err);
            assertTrue(url.startsWith("https://127.0.0.1:"), url);
            Curl.Result hello = Curl.run("--cacert", dir.resolve("server.pem").toString(), url + "/hello/tls");
            assertEquals(200, hello.status());
            assertEquals("hi tls", hello.body());
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** SIGTERM (what systemd and Kubernetes send): the launcher drains, then runs the on_shutdown hooks, then exits. */
    @Test
    void sigtermRunsTheOnShutdownHooks(@TempDir Path dir) throws Exception {
        Path done = dir.resolve("deregistered.txt");
        Path script = write(dir, "app.py", """
                import asyncio
                from siphon import http

                @http.route("/")
                def root(req):
                    return http.Response(body="up")

                @http.on_shutdown
                async def deregister():
                    await asyncio.sleep(0.05)
                    with open(%s, "a") as f:
                        f.write("deregistered\\n")
                """.formatted("'" + done.toString().replace("'", "\\'") + "'"));
        Path yaml = write(dir, "http.yaml", "servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n");
        Run check = run("--config", yaml.toString(), "--script", script.toString(), "--check");
        assertEquals(0, check.status(), check.err());
        assertTrue(check.out().contains("0 on_startup hook(s), 1 on_shutdown hook(s) (neither run by --check)"),
                check.out());
        assertFalse(Files.exists(done), "--check ran a hook");

        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(LAUNCHER.toString(), "--config", yaml.toString(), "--script", script.toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            String base = awaitListening(p, out, err);
            assertEquals("up", Curl.run(base + "/").body());
            assertFalse(Files.exists(done), "a hook ran while serving");
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "siphon-http did not exit after SIGTERM");
            assertEquals(List.of("deregistered"), Files.readAllLines(done), Files.readString(err));
            assertTrue(Files.readString(err).contains("shutdown: on_shutdown hooks"), Files.readString(err));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    /**
     * A real OutOfMemoryError on a worker's thread (one allocation larger than the whole heap)
     * ends the process at once with status 3 ({@code -XX:+ExitOnOutOfMemoryError}) instead of
     * leaving it up on a JVM whose heap ran out.
     */
    @Test
    void anOutOfMemoryErrorEndsTheProcess(@TempDir Path dir) throws Exception {
        Path script = write(dir, "app.py", """
                from siphon import http

                @http.route("/")
                def root(req):
                    return http.Response(body="up")

                @http.route("/hog")
                def hog(req):
                    return http.Response(body=b"x" * (1 << 30))  # 1 GiB: four times the heap
                """);
        Path yaml = write(dir, "http.yaml", "servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "--config", yaml.toString(), "--script",
                script.toString());
        pb.environment().put("SIPHON_MAX_HEAP", "256m");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            String base = awaitListening(p, out, err);
            assertEquals("up", Curl.run(base + "/").body());
            java.net.URI u = java.net.URI.create(base);
            try (Socket s = new Socket(u.getHost(), u.getPort())) {
                s.getOutputStream().write("GET /hog HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "siphon-http stayed up after an OutOfMemoryError");
            }
            String output = Files.readString(out) + Files.readString(err);
            assertEquals(3, p.exitValue(), output);
            assertTrue(output.contains("java.lang.OutOfMemoryError"), output);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    /** examples/hello.py with examples/http.yaml, through the launcher with the JIT on, driven by curl. */
    @Test
    void examplesServedWithTheJitOn() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(LAUNCHER.toString(), "--config", EXAMPLES.resolve("http.yaml").toString(),
                "--script", EXAMPLES.resolve("hello.py").toString());
        pb.environment().put("SIPHON_LISTEN", "127.0.0.1:0");
        pb.environment().put("SIPHON_ADMIN_LISTEN", "127.0.0.1:0");
        Path out = Files.createTempFile("siphon-out", ".txt");
        Path err = Files.createTempFile("siphon-err", ".txt");
        long t0 = System.nanoTime();
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            String base = awaitListening(p, out, err);
            Curl.Result hello = Curl.run(base + "/hello/world");
            long firstMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("launch to first response: " + firstMs + " ms");
            assertEquals(200, hello.status());
            assertEquals("hi world", hello.body());

            Curl.Result order = Curl.run(base + "/orders/42");
            assertEquals(200, order.status());
            assertEquals("application/json", order.header("content-type"));
            assertEquals("{\"id\": \"42\"}", order.body());
            assertEquals(204, Curl.run("-X", "DELETE", base + "/orders/42").status());
            assertEquals(405, Curl.run("-X", "POST", base + "/orders/42").status());

            String log = Files.readString(err);
            Matcher engine = Pattern.compile("GraalPy engine: ([^;]+);").matcher(log);
            assertTrue(engine.find(), log);
            assertFalse(engine.group(1).contains("Interpreted"), "the JIT is off: " + engine.group(1));
            assertFalse(log.contains("not available"), log);
            assertFalse(log.contains("GraalPy unpacks its Python home"), "a writable cache is not reported:\n" + log);
            assertTrue(log.contains("order 42 deleted"), "log.info reaches the server log:\n" + log);
        } finally {
            p.destroy(); // SIGTERM: the shutdown hook closes the server
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * On a JDK >= 25 the build (bin/siphon-runtime) leaves a runtime image and an AOT cache in
     * pybridge/target/runtime, and the launcher starts from them: the class log shows the
     * launcher's own main class coming from the cache. When a jar is newer than the cache (here:
     * a SIPHON_HOME of links made after it) the launcher leaves the cache out and still starts.
     * On an older JDK there is no image and the launcher starts from the JDK.
     */
    @Test
    void startsFromTheRuntimeImageAndItsAotCache(@TempDir Path dir) throws Exception {
        Path target = ROOT.resolve("pybridge/target");
        Path classLog = dir.resolve("classes.log");
        Map<String, String> env = Map.of("SIPHON_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog);
        Run r = run(env, "--version");
        assertEquals(0, r.status(), r.err());
        String launcherClass = loadLine(classLog);
        if (Runtime.version().feature() < 25) {
            assertFalse(Files.exists(target.resolve("runtime")), "no runtime image below JDK 25");
            assertTrue(launcherClass.contains("siphon-http.jar"), launcherClass);
            return;
        }
        assertTrue(Files.isRegularFile(target.resolve("runtime/siphon.aot")), "bin/siphon-runtime made no AOT cache");
        assertTrue(launcherClass.endsWith("source: shared objects file"), "not from the AOT cache: " + launcherClass);
        assertTrue(r.out().contains("siphon-http"), r.out());

        Path home = Files.createDirectory(dir.resolve("home"));
        for (String name : List.of("siphon-http.jar", "lib", "jit", "runtime")) {
            Files.createSymbolicLink(home.resolve(name), target.resolve(name));
        }
        Files.delete(classLog);
        Map<String, String> stale = Map.of("SIPHON_HOME", home.toString(),
                "SIPHON_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog);
        Run s = run(stale, "--version");
        assertEquals(0, s.status(), s.err());
        launcherClass = loadLine(classLog);
        assertTrue(launcherClass.contains("siphon-http.jar"), "a stale AOT cache was used: " + launcherClass);
    }

    /** The start-up log's "process start to main" agrees with the JVM's own uptime to well under a second. */
    @Test
    void processStartIsMeasuredToTheTick() {
        long jvmUptime = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        long sinceStart = Launcher.millisSinceProcessStart();
        long after = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        assertTrue(sinceStart >= jvmUptime - 50 && sinceStart <= after + 300,
                "process start " + sinceStart + " ms ago, JVM up " + jvmUptime + "-" + after + " ms");
    }

    /** The class-load log line of the launcher's main class. */
    private static String loadLine(Path classLog) throws IOException {
        return Files.readAllLines(classLog).stream()
                .filter(l -> l.contains(" dev.siphon.http.py.Launcher source: "))
                .findFirst().orElseThrow(() -> new AssertionError("the launcher's main class was not loaded?"))
                .strip();
    }

    @Test
    void makeRunServesTheHelloExample() throws Exception {
        String makefile = Files.readString(ROOT.resolve("Makefile"), StandardCharsets.UTF_8);
        assertTrue(makefile.contains("bin/siphon-http --config examples/http.yaml --script examples/hello.py"),
                "make run starts the launcher on the example that examplesServedWithTheJitOn drives");
    }
}
