package dev.siphon.http.py;

import static dev.siphon.http.py.LauncherTest.LAUNCHER;
import static dev.siphon.http.py.LauncherTest.awaitListening;
import static dev.siphon.http.py.LauncherTest.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloading a running bin/siphon-http (docs/deployment.md, "Reloading"): SIGHUP sent with
 * {@code kill -HUP} to the real process while real clients keep sending requests; {@code
 * --reload} picking up a changed module; the TLS files re-read by the same signal.
 */
class ReloadTest {

    /**
     * Version {@code v} of the app: "/" answers "v&lt;v&gt;"; "/slow" once the file {@code gate}
     * exists; on_shutdown adds a line to {@code shutdownLog}.
     */
    private static String app(int v, Path shutdownLog, Path gate) {
        return """
                import asyncio
                import os
                from siphon import http

                @http.route("/")
                async def root(req):
                    return http.Response(body="v%d")

                @http.route("/slow")
                async def slow(req):
                    while not os.path.exists(%s):
                        await asyncio.sleep(0.05)
                    return http.Response(body="slow v%d")

                @http.on_shutdown
                async def bye():
                    with open(%s, "a") as f:
                        f.write("v%d\\n")
                """.formatted(v, pyString(gate), v, pyString(shutdownLog), v);
    }

    private static String pyString(Path p) {
        return "'" + p.toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static Process start(Path dir, Path yaml, Path script, String... more) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString(), "--config", yaml.toString(), "--script",
                script.toString()));
        cmd.addAll(List.of(more));
        return new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile()).start();
    }

    private static void hup(Process p) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -HUP failed");
    }

    private static void await(String what, Path err, BooleanSupplier done) throws Exception {
        for (int i = 0; i < 1800; i++) {
            if (done.getAsBoolean()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "; stderr:\n" + Files.readString(err));
    }

    private static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /**
     * Four threads keep sending requests while the script is rewritten and SIGHUP sent three
     * times: not one request fails or gets another status than 200, the answers move to each new
     * version, a slow request begun before the first reload finishes on the old code, and each
     * old generation runs its on_shutdown hook. Then a script with a syntax error, and one whose
     * on_startup hook raises, are refused: the last good one serves on, and the log says why.
     */
    @Test
    void sighupReloadsTheScriptWithoutAFailedRequest(@TempDir Path dir) throws Exception {
        Path shutdownLog = dir.resolve("shutdown.txt");
        Path gate = dir.resolve("gate");
        Path script = write(dir, "app.py", app(1, shutdownLog, gate));
        Path yaml = write(dir, "http.yaml", "servers:\n  - listen: 127.0.0.1:0\n    request_timeout_ms: 120000\n"
                + "admin:\n  listen: 127.0.0.1:0\nengine:\n  workers: 2\n");
        Path err = dir.resolve("err.txt");
        Process p = start(dir, yaml, script);
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = new ArrayList<>();
        try {
            String base = awaitListening(p, dir.resolve("out.txt"), err);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            HttpRequest root = HttpRequest.newBuilder(URI.create(base + "/")).timeout(Duration.ofSeconds(30)).build();
            await("v1", err, () -> body(http, root).equals("v1"));
            // worker 1 reads the script after the server listens: it must have read v1
            await("worker 1", err, () -> read(err).contains("start-up: worker 1 ready"));
            Set<String> seen = ConcurrentHashMap.newKeySet();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            AtomicLong answered = new AtomicLong();
            for (int t = 0; t < 4; t++) {
                Thread c = Thread.ofPlatform().name("client-" + t).start(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> r = http.send(root, HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() != 200) {
                                failures.add(r.statusCode() + " " + r.body());
                            } else {
                                seen.add(r.body());
                                answered.incrementAndGet();
                            }
                        } catch (IOException e) {
                            failures.add(e.toString());
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                clients.add(c);
            }
            CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> body(http,
                    HttpRequest.newBuilder(URI.create(base + "/slow")).timeout(Duration.ofSeconds(120)).build()));
            Thread.sleep(300); // the slow request waits in its handler for the gate
            for (int v = 2; v <= 4; v++) {
                int version = v;
                Files.writeString(script, app(v, shutdownLog, gate));
                hup(p);
                await("v" + v + " to answer", err, () -> seen.contains("v" + version));
                if (v == 2) {
                    Thread.sleep(500);
                    assertTrue(!slow.isDone(), "the slow request waits for its gate");
                    assertTrue(!read(shutdownLog).contains("v1"), "v1 is released while a request of it is in flight");
                    Files.writeString(gate, "open");
                    assertEquals("slow v1", slow.get(30, TimeUnit.SECONDS),
                            "the request in flight at the switch finished on the old script");
                }
                await("v" + (v - 1) + "'s on_shutdown", err, () -> read(shutdownLog).contains("v" + (version - 1) + "\nv"
                        + (version - 1) + "\n"));
            }
            assertEquals("v1\nv1\nv2\nv2\nv3\nv3\n", read(shutdownLog),
                    "each old generation ran its on_shutdown hook once in each of its two workers");
            long before = answered.get();
            Thread.sleep(500);
            assertTrue(answered.get() > before, "the clients are still answered");

            // a script that does not compile: refused, the old one serves on
            Files.writeString(script, "from siphon import http\n\n@http.route(\"/\")\ndef root(req)\n    return 1\n");
            hup(p);
            await("the failed reload's log line", err, () -> read(err).contains("reload of " + script + " failed"));
            assertTrue(read(err).contains("SyntaxError"), read(err));
            // an on_startup hook that raises: refused too, saying why
            Files.writeString(script, """
                    from siphon import http

                    @http.route("/")
                    def root(req):
                        return http.Response(body="v5")

                    @http.on_startup
                    def boom():
                        raise RuntimeError("database unreachable")
                    """);
            hup(p);
            await("the second failed reload", err, () -> read(err).contains("database unreachable"));
            Thread.sleep(300);
            running.set(false);
            for (Thread c : clients) {
                c.join(40_000);
            }
            assertEquals(List.of(), List.copyOf(failures), "requests failed during the reloads");
            assertEquals("v4", body(http, root), "the last good script serves after two refused reloads");
            assertTrue(!seen.contains("v5"), "the script whose hook raised never served");
            String log = read(err);
            assertEquals(3, log.lines().filter(l -> l.contains("INFO siphon.http: reloaded " + script + " in ")).count(),
                    log);
            assertTrue(p.isAlive(), "SIGHUP must not stop the server");
            java.util.regex.Matcher admin = java.util.regex.Pattern.compile("admin listener on (\\S+)")
                    .matcher(read(dir.resolve("out.txt")));
            assertTrue(admin.find(), read(dir.resolve("out.txt")));
            String metrics = Curl.run(admin.group(1) + "/metrics").body();
            assertTrue(metrics.contains("siphon_python_reloads_total{outcome=\"ok\"} 3"), metrics);
            assertTrue(metrics.contains("siphon_python_reloads_total{outcome=\"failed\"} 2"), metrics);
        } finally {
            running.set(false);
            stop(p);
        }
        assertEquals(143, p.exitValue(), "SIGTERM still stops it");
        assertEquals("v1\nv1\nv2\nv2\nv3\nv3\nv4\nv4\n", read(shutdownLog),
                "the serving generation's hooks ran at shutdown");
    }

    private static String body(HttpClient http, HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    /** {@code --reload}: a changed module next to the script is picked up without a signal. */
    @Test
    void reloadFlagPicksUpAChangedModule(@TempDir Path dir) throws Exception {
        write(dir, "greeting.py", "WORD = 'hello'\n");
        Path script = write(dir, "app.py", """
                from siphon import http
                import greeting

                @http.route("/")
                def root(req):
                    return http.Response(body=greeting.WORD)
                """);
        Path yaml = write(dir, "http.yaml", "servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n");
        Path err = dir.resolve("err.txt");
        Process p = start(dir, yaml, script, "--reload");
        try {
            String base = awaitListening(p, dir.resolve("out.txt"), err);
            assertEquals("hello", Curl.run(base + "/").body());
            await("the watcher", err, () -> read(err).contains("--reload: watching the .py files under"));
            Files.writeString(dir.resolve("greeting.py"), "WORD = 'bonjour'\n");
            await("the new module", err, () -> {
                try {
                    return Curl.run(base + "/").body().equals("bonjour");
                } catch (IOException | InterruptedException e) {
                    return false;
                }
            });
            await("the reload's log line", err, () -> read(err).contains("siphon.http: reloaded "));
            // a file that is not Python is not a reason to reload
            long reloads = read(err).lines().filter(l -> l.contains("siphon.http: reloaded ")).count();
            assertEquals(1, reloads, read(err));
            Files.writeString(dir.resolve("notes.txt"), "x");
            Thread.sleep(1500);
            assertEquals(1, read(err).lines().filter(l -> l.contains("siphon.http: reloaded ")).count(), read(err));
        } finally {
            stop(p);
        }
    }

    private static String echoApp(int v, boolean withGone) {
        return """
                from siphon import http

                @http.route("/", methods=["GET"])
                def root(req):
                    return http.Response(body="v%d")

                @http.route("/echo/{name}", methods=["POST"])
                def echo(req):
                    return http.Response(body="v%d " + req.path_params["name"] + " " + req.body().decode())
                """.formatted(v, v) + (withGone ? """

                @http.route("/gone", methods=["POST"])
                def gone(req):
                    return http.Response(body="v%d gone")
                """.formatted(v) : "");
    }

    /** Sends a request head announcing a body of {@code length} bytes, and none of the body yet. */
    private static java.net.Socket head(int port, String path, int length) throws IOException {
        java.net.Socket s = new java.net.Socket("127.0.0.1", port);
        s.setSoTimeout(30_000);
        s.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nhost: x\r\ncontent-length: " + length
                + "\r\nconnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    private static String finish(java.net.Socket s, String body) throws IOException {
        s.getOutputStream().write(body.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        s.close();
        return response;
    }

    /**
     * A request routed before the switch whose body arrives only after the old script was
     * released goes to the new script's route of the same pattern (path parameters as routed);
     * one whose route the new script no longer has gets 503 with Retry-After.
     */
    @Test
    void aRequestRoutedBeforeTheSwitchAndDispatchedAfterGoesToTheSameRouteOfTheNewScript(@TempDir Path dir)
            throws Exception {
        Path script = write(dir, "app.py", echoApp(1, true));
        Path yaml = write(dir, "http.yaml", "servers:\n  - listen: 127.0.0.1:0\nengine:\n  workers: 1\n");
        Path err = dir.resolve("err.txt");
        Process p = start(dir, yaml, script);
        try {
            String base = awaitListening(p, dir.resolve("out.txt"), err);
            int port = Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
            try (java.net.Socket echo = head(port, "/echo/ann", 5); java.net.Socket gone = head(port, "/gone", 2)) {
                Thread.sleep(300); // both heads are routed by v1's routes
                Files.writeString(script, echoApp(2, false));
                hup(p);
                await("v1 released", err, () -> read(err).contains("siphon.http: reloaded "));
                assertEquals("v2", Curl.run(base + "/").body());
                String r = finish(echo, "hello");
                assertTrue(r.startsWith("HTTP/1.1 200 ") && r.endsWith("v2 ann hello"), r);
                String g = finish(gone, "hi");
                assertTrue(g.startsWith("HTTP/1.1 503 ") && g.toLowerCase(java.util.Locale.ROOT)
                        .contains("retry-after: 1"), g);
            }
            assertEquals(404, Curl.run("-X", "POST", base + "/gone").status(), "a new request: the new routes");
        } finally {
            stop(p);
        }
    }

    // ---- TLS ----

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process o = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(o.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(o.waitFor(30, TimeUnit.SECONDS) && o.exitValue() == 0, "openssl " + cmd + ": " + out);
    }

    /** A self-signed P-256 certificate with common name {@code cn}, into {@code cert} and {@code key}. */
    private static void selfSigned(Path dir, String cn, String cert, String key) throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", cert, "-subj", "/CN=" + cn, "-days", "2",
                "-addext", "subjectAltName=IP:127.0.0.1");
    }

    /** Trusts any server: the test reads which certificate the server presents. */
    private static SSLSocket connect(int port) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(30_000);
        s.startHandshake();
        return s;
    }

    private static String subject(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    /** One HTTP/1.1 keep-alive request on {@code s}; returns the status line and the body. */
    private static String get(SSLSocket s) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write("GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        String status = in.readLine();
        int length = 0;
        for (String h; (h = in.readLine()) != null && !h.isEmpty(); ) {
            if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        char[] body = new char[length];
        int n = 0;
        while (n < length) {
            int r = in.read(body, n, length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return status + " " + new String(body, 0, n);
    }

    /**
     * SIGHUP re-reads the certificate and key: a new handshake gets the renewed certificate while
     * a keep-alive connection opened before goes on. A certificate file that does not parse, and
     * a key that does not match its certificate, are refused naming the file; the listener keeps
     * the certificate it had.
     */
    @Test
    void sighupRenewsTheCertificateAndRefusesBadFiles(@TempDir Path dir) throws Exception {
        selfSigned(dir, "first", "server.pem", "server.key");
        Path cert = dir.resolve("server.pem");
        Path key = dir.resolve("server.key");
        Path script = write(dir, "app.py", """
                from siphon import http

                @http.route("/")
                def root(req):
                    return http.Response(body="ok")
                """);
        Path yaml = write(dir, "http.yaml", """
                servers:
                  - listen: 127.0.0.1:0
                    tls:
                      cert_path: %s
                      key_path: %s
                engine:
                  workers: 1
                """.formatted(cert, key));
        Path err = dir.resolve("err.txt");
        Process p = start(dir, yaml, script);
        try {
            String url = awaitListening(p, dir.resolve("out.txt"), err);
            int port = Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
            try (SSLSocket before = connect(port)) {
                assertEquals("CN=first", subject(before));
                assertEquals("HTTP/1.1 200 OK ok", get(before));

                // renewed: written over the same files, as certbot's deploy hook or a Kubernetes secret does
                selfSigned(dir, "second", "new.pem", "new.key");
                Files.copy(dir.resolve("new.key"), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.copy(dir.resolve("new.pem"), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                hup(p);
                await("the TLS reload", err, () -> read(err).contains("TLS reloaded for 127.0.0.1:0"));
                try (SSLSocket after = connect(port)) {
                    assertEquals("CN=second", subject(after));
                    assertEquals("HTTP/1.1 200 OK ok", get(after));
                }
                assertEquals("HTTP/1.1 200 OK ok", get(before), "the connection opened before goes on");
                assertEquals("CN=first", subject(before));

                // a certificate file that does not parse
                Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
                hup(p);
                await("the refusal", err, () -> read(err).contains("refused, the listener keeps its current certificate"));
                String refusal = read(err).lines().filter(l -> l.contains("refused, the listener keeps")).findFirst()
                        .orElseThrow();
                assertTrue(refusal.contains(cert.toString()), refusal);
                try (SSLSocket still = connect(port)) {
                    assertEquals("CN=second", subject(still));
                    assertEquals("HTTP/1.1 200 OK ok", get(still));
                }

                // a good certificate with a key that is not its own
                Files.copy(dir.resolve("new.pem"), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                selfSigned(dir, "third", "third.pem", "third.key");
                Files.copy(dir.resolve("third.key"), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                hup(p);
                await("the second refusal", err, () -> read(err).lines()
                        .filter(l -> l.contains("refused, the listener keeps")).count() == 2);
                String mismatch = read(err).lines().filter(l -> l.contains("refused, the listener keeps"))
                        .reduce((a, b) -> b).orElseThrow();
                assertTrue(mismatch.contains(key.toString()) && mismatch.contains("does not match"), mismatch);
                try (SSLSocket still = connect(port)) {
                    assertEquals("CN=second", subject(still));
                }
                assertEquals("HTTP/1.1 200 OK ok", get(before), "the first connection still goes on");
            }
        } finally {
            stop(p);
        }
    }
}
