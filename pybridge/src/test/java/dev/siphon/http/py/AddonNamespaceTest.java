package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.graalvm.polyglot.HostAccess;
import org.junit.jupiter.api.Test;

/**
 * The addon shape of the original (SPEC §1, use 3): a Java host adds a namespace of its own to
 * every worker context and runs the HTTP listeners as one task among its own. Here the host also
 * speaks a line protocol over TCP; a script reaches the host through {@code siphon.echo}, whose
 * futures it awaits on the worker's loop.
 */
class AddonNamespaceTest {

    /** The host's namespace: public, thread-safe, exported members only. */
    public static final class Echo {
        private final ScheduledExecutorService host;
        private final AtomicInteger calls = new AtomicInteger();

        Echo(ScheduledExecutorService host) {
            this.host = host;
        }

        @HostAccess.Export
        public String upper(String s) {
            calls.incrementAndGet();
            return s.toUpperCase();
        }

        /** Completes on the host's own thread 20 ms later. */
        @HostAccess.Export
        public CompletableFuture<String> shout(String s) {
            calls.incrementAndGet();
            CompletableFuture<String> f = new CompletableFuture<>();
            host.schedule(() -> f.complete(s.toUpperCase() + "!"), 20, TimeUnit.MILLISECONDS);
            return f;
        }

        @HostAccess.Export
        public CompletableFuture<String> fail(String why) {
            return CompletableFuture.failedFuture(new IllegalStateException(why));
        }

        @HostAccess.Export
        public int calls() {
            return calls.get();
        }

        /** What the script's timer job hands back. */
        final List<String> recorded = new java.util.concurrent.CopyOnWriteArrayList<>();

        @HostAccess.Export
        public void record(String s) {
            recorded.add(s);
        }

        /** Not exported: scripts cannot see it. */
        public String secret() {
            return "hidden";
        }
    }

    static HttpConfig config(int workers) throws Exception {
        return ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                engine:
                  workers: %d
                """.formatted(workers), "addon.yaml", System::getenv);
    }

    /** The host's own protocol: a line echo over TCP, served until the socket closes. */
    static void serveLines(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                OutputStream out = s.getOutputStream();
                for (String line; (line = in.readLine()) != null; ) {
                    out.write(("echo " + line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (java.io.IOException closed) {
                return;
            }
        }
    }

    static HttpResponse<String> get(HttpClient c, int port, String path) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aHostNamespaceIsAwaitedFromRoutesBesideTheHostsOwnTask() throws Exception {
        ScheduledExecutorService hostThreads = Executors.newScheduledThreadPool(2);
        ExecutorService tasks = Executors.newFixedThreadPool(2);
        Echo echo = new Echo(hostThreads);
        try (ServerSocket lines = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // the host's two tasks: its own protocol, and HTTP with the script
            Future<?> own = tasks.submit(() -> serveLines(lines));
            Future<PythonServer> http = tasks.submit(() -> PythonServer.builder(config(2), Scripts.path("addon_app.py"))
                    .namespace("echo", echo).start());
            try (PythonServer server = http.get(120, TimeUnit.SECONDS)) {
                server.awaitWorkers();
                HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                int port = server.port();
                List<String> seen = new ArrayList<>();
                for (int i = 0; i < 8; i++) { // both workers, one keep-alive connection
                    seen.add(get(c, port, "/shout/hey" + i).body());
                }
                for (int i = 0; i < 8; i++) {
                    assertEquals("HEY" + i + "!", seen.get(i));
                }
                assertEquals("ABC", get(c, port, "/upper/abc").body());
                assertEquals("FIRST! LATER!", get(c, port, "/early/later").body());
                HttpResponse<String> failed = get(c, port, "/fail");
                assertEquals(502, failed.statusCode());
                assertEquals("IllegalStateException: the host said no", failed.body());
                HttpResponse<String> missing = get(c, port, "/missing/no_such_method");
                assertEquals(404, missing.statusCode());
                assertTrue(missing.body().contains("'no_such_method'"), missing.body());
                HttpResponse<String> secret = get(c, port, "/missing/secret"); // public, not exported
                assertEquals(404, secret.statusCode());
                assertTrue(secret.body().contains("'secret'"), secret.body());
                // the timer job (once per process, every 100 ms) awaits the host's future too
                for (int i = 0; i < 100 && echo.recorded.size() < 3; i++) {
                    Thread.sleep(100);
                }
                assertTrue(echo.recorded.size() >= 3, echo.recorded.toString());
                assertEquals(List.of("TICK!"), echo.recorded.stream().distinct().toList());
                assertTrue(Integer.parseInt(get(c, port, "/calls").body()) >= 11 + 3);

                // the host's own protocol is served meanwhile
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), lines.getLocalPort())) {
                    s.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                    assertEquals("echo ping", in.readLine());
                }
                assertTrue(!own.isDone());
            }
        } finally {
            tasks.shutdownNow();
            hostThreads.shutdownNow();
        }
    }

    @Test
    void theEmbeddingPageShowsTheTestedRoute() throws Exception {
        String script = java.nio.file.Files.readString(Scripts.path("addon_app.py"));
        String route = script.substring(script.indexOf("@http.route(\"/shout/{text}\")"), script.indexOf("\n\n\n@http.route(\"/early"));
        String doc = java.nio.file.Files.readString(LauncherTest.ROOT.resolve("docs/embedding.md"));
        assertTrue(doc.contains("from siphon import http, echo\n\n" + route + "\n```"), "docs/embedding.md must show:\n" + route);
    }

    @Test
    void aNamespaceNameIsCheckedBeforeAnythingStarts() throws Exception {
        Object target = new Object();
        PythonServer.Builder b = PythonServer.builder(config(1), Scripts.path("addon_app.py")).namespace("echo", target);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> b.namespace("echo", target));
        assertEquals("namespace \"echo\" is given twice", twice.getMessage());
        IllegalArgumentException own = assertThrows(IllegalArgumentException.class, () ->
                PythonServer.builder(config(1), Scripts.path("addon_app.py")).namespace("http", target).start());
        assertEquals("namespace \"http\": siphon.http is siphon's own", own.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () ->
                PythonServer.builder(config(1), Scripts.path("addon_app.py")).namespace("Echo-1", target).start());
        assertTrue(bad.getMessage().startsWith("namespace \"Echo-1\": a name is lower-case letters"), bad.getMessage());
    }
}
