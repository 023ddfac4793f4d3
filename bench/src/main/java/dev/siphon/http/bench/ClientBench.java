package dev.siphon.http.bench;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.client.ClientResponse;
import dev.siphon.http.client.HttpClient;
import dev.siphon.http.config.EngineSettings;
import dev.siphon.http.config.ServerConfig;
import dev.siphon.http.config.TlsConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * End-to-end client throughput: this project's {@link HttpClient} against the JDK's
 * {@code java.net.http.HttpClient}, in one run, against the same upstream (by default this
 * engine in the same JVM on its own loops, answering {@code GET /hello} with 5 bytes; or any
 * server given with {@code --url}).
 *
 * <p>Closed loop: {@code concurrency} requests are outstanding at all times; each completion
 * sends the next. Requests per second over the measured window, after a warm-up.
 *
 * <p>Scenarios: {@code h1-one} (HTTP/1.1 keep-alive, one pooled connection, one request at a time),
 * {@code h1-pool} (HTTP/1.1, pool_size connections, pool_size requests outstanding: the JDK
 * client opens as many), {@code h2c} (HTTP/2 prior knowledge, 64 streams outstanding on one
 * connection; the JDK client has no prior-knowledge mode, so its figure is HTTP/2 by Upgrade
 * when the upstream accepts it, else HTTP/1.1 with 64 connections: printed as measured),
 * {@code h2-tls} (HTTPS with ALPN h2 to this engine's TLS listener, 64 streams outstanding on one
 * connection; both clients trust a throwaway CA made by {@code bench/tls-certs.sh}, the JDK client
 * through an SSLContext) and {@code h1-tls} (HTTPS over HTTP/1.1: ALPN offers only http/1.1,
 * pool_size connections and requests outstanding). Each client's line says which protocol its
 * first response came over.
 *
 * <p>The https scenarios need siphon-tls and BouncyCastle on the class path: the bench jar's
 * manifest names them in {@code target/tls-lib}, where the build copies them, and openssl for the
 * certificates. With {@code --url} they run against {@code --tls-url} with {@code --ca}, or are
 * skipped.
 *
 * <pre>
 * java -cp bench/target/siphon-bench.jar dev.siphon.http.bench.ClientBench [--warmup 3] [--seconds 5]
 *     [--pool 8] [--streams 64] [--url http://127.0.0.1:8080/hello]
 *     [--tls-url https://127.0.0.1:8443/hello --ca ca.pem] [--only h1-one,h1-pool,h2c,h2-tls,h1-tls]
 * </pre>
 */
public final class ClientBench {
    private ClientBench() {}

    private static final String ALL = "h1-one,h1-pool,h2c,h2-tls,h1-tls";
    /**
     * BCJSSE logs every handshake and close at INFO, and the JDK security properties it ignores
     * at WARNING: kept (strongly referenced) at SEVERE here.
     */
    private static final java.util.logging.Logger BCJSSE_LOG = java.util.logging.Logger.getLogger("org.bouncycastle.jsse");

    public static void main(String[] args) throws Exception {
        int warmup = 3;
        int seconds = 5;
        int pool = 8;
        int streams = 64;
        String url = null;
        String tlsUrl = null;
        Path ca = null;
        String only = ALL;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--pool" -> pool = Integer.parseInt(args[i + 1]);
                case "--streams" -> streams = Integer.parseInt(args[i + 1]);
                case "--url" -> url = args[i + 1];
                case "--tls-url" -> tlsUrl = args[i + 1];
                case "--ca" -> ca = Path.of(args[i + 1]);
                case "--only" -> only = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        BCJSSE_LOG.setLevel(java.util.logging.Level.SEVERE);
        List<HttpEngine> engines = new ArrayList<>();
        HttpEngine engine = null;
        Path pki = null;
        if (url == null) {
            engine = HttpEngine.builder().listen("127.0.0.1:0")
                    .settings(EngineSettings.defaults().withIoLoops(2))
                    .route("GET", "/hello", req -> Response.text(200, "hello"))
                    .start();
            engines.add(engine);
            url = "http://127.0.0.1:" + engine.port() + "/hello";
        }
        try {
            boolean wantsTls = only.contains("-tls");
            HttpEngine tlsEngine = null;
            String tlsSkipped = null;
            if (wantsTls && tlsUrl == null && engine != null) {
                try {
                    pki = Files.createTempDirectory("siphon-bench-pki");
                    certificates(pki);
                    ca = pki.resolve("ca.pem");
                    tlsEngine = HttpEngine.builder()
                            .listen(ServerConfig.listen("127.0.0.1:0").withTls(
                                    new TlsConfig(pki.resolve("server.pem"), pki.resolve("server.key"), null)))
                            .settings(EngineSettings.defaults().withIoLoops(2))
                            .route("GET", "/hello", req -> Response.text(200, "hello"))
                            .start();
                    engines.add(tlsEngine);
                    tlsUrl = "https://127.0.0.1:" + tlsEngine.port() + "/hello";
                } catch (Exception | LinkageError e) {
                    tlsSkipped = "no TLS upstream: " + e.getMessage();
                }
            } else if (wantsTls && (tlsUrl == null || ca == null)) {
                tlsSkipped = "an external upstream needs --tls-url and --ca for the https scenarios";
            }
            System.out.printf("upstream %s%s, warm-up %d s, measured %d s, %d cpus%n", url,
                    tlsUrl == null ? "" : " and " + tlsUrl, warmup, seconds, Runtime.getRuntime().availableProcessors());
            System.out.printf("%-8s %-34s %12s  %s%n", "scenario", "client", "req/s", "protocol");
            for (String scenario : only.split(",")) {
                boolean tls = scenario.endsWith("-tls");
                int concurrency = switch (scenario) {
                    case "h1-one" -> 1;
                    case "h1-pool", "h1-tls" -> pool;
                    case "h2c", "h2-tls" -> streams;
                    default -> throw new IllegalArgumentException("unknown scenario " + scenario + " (known: " + ALL + ")");
                };
                if (tls && tlsSkipped != null) {
                    System.out.printf("%-8s skipped: %s%n", scenario, tlsSkipped);
                    continue;
                }
                boolean h2 = scenario.startsWith("h2");
                String u = tls ? tlsUrl : url;
                HttpEngine counted = tls ? tlsEngine : engine;
                long seenBefore = counted == null ? 0 : counted.counters().requests();
                double ours;
                String oursProtocol;
                int conns = scenario.equals("h1-one") ? 1 : pool;
                HttpClient.Builder b = HttpClient.builder().poolSize(conns).maxConnections(conns)
                        .timeoutMs(30_000);
                b = tls ? b.verify(ca).http2OverTls(h2) : b.http2PriorKnowledge(h2);
                try (HttpClient c = b.build()) {
                    oursProtocol = c.get(u).join().version();
                    ours = run(() -> c.get(u).thenApply(ClientResponse::status), concurrency, warmup, seconds);
                }
                System.out.printf("%-8s %-34s %,12.0f  %s%n", scenario, "siphon HttpClient", ours, oursProtocol);
                if (counted != null) {
                    System.out.printf("%-8s %-34s %,12d%n", scenario, "  (upstream counted requests)",
                            counted.counters().requests() - seenBefore);
                }
                double jdk;
                String jdkProtocol;
                ExecutorService exec = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
                java.net.http.HttpClient.Builder jb = java.net.http.HttpClient.newBuilder()
                        .version(h2 ? java.net.http.HttpClient.Version.HTTP_2 : java.net.http.HttpClient.Version.HTTP_1_1)
                        .executor(exec).connectTimeout(Duration.ofSeconds(5));
                if (tls) {
                    jb.sslContext(trusting(ca));
                }
                try (java.net.http.HttpClient j = jb.build()) {
                    HttpRequest req = HttpRequest.newBuilder(URI.create(u)).GET().build();
                    jdkProtocol = j.send(req, HttpResponse.BodyHandlers.ofByteArray()).version().toString();
                    jdk = run(() -> j.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
                            .thenApply(HttpResponse::statusCode), concurrency, warmup, seconds);
                } finally {
                    exec.shutdownNow();
                }
                System.out.printf("%-8s %-34s %,12.0f  %s%n", scenario, "JDK java.net.http.HttpClient", jdk, jdkProtocol);
                System.out.printf("%-8s %-34s %12.2fx%n", scenario, "ratio siphon / JDK", ours / jdk);
            }
        } finally {
            for (HttpEngine e : engines) {
                e.close();
            }
            if (pki != null) {
                try (var files = Files.list(pki)) {
                    for (Path f : files.toList()) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(pki);
            }
        }
    }

    /**
     * A throwaway CA and a server certificate for 127.0.0.1 in {@code dir}, by bench/tls-certs.sh
     * (found next to the bench jar's target/ directory, or under the working directory).
     */
    private static void certificates(Path dir) throws Exception {
        Path script = Path.of("bench", "tls-certs.sh");
        try {
            Path jar = Path.of(ClientBench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path beside = jar.getParent().getParent().resolve("tls-certs.sh"); // bench/target/x.jar -> bench/
            if (Files.isRegularFile(beside)) {
                script = beside;
            }
        } catch (RuntimeException | java.net.URISyntaxException e) {
            // fall back to the working directory
        }
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("bench/tls-certs.sh not found (run from the project root)");
        }
        Process p = new ProcessBuilder("bash", script.toString(), dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(script + " failed: " + out.strip());
        }
    }

    /** An SSLContext (the JDK's provider) trusting only the CA in {@code caPem}. */
    private static SSLContext trusting(Path caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (var in = Files.newInputStream(caPem)) {
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca" + i++, cert);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Keeps {@code concurrency} requests in flight; returns completions per second of the measured window. */
    private static double run(Supplier<CompletableFuture<Integer>> send, int concurrency, int warmup, int seconds)
            throws InterruptedException {
        LongAdder done = new LongAdder();
        LongAdder failed = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Runnable> users = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            users.add(new Runnable() {
                @Override
                public void run() {
                    if (stop.get()) {
                        return;
                    }
                    send.get().whenComplete((status, e) -> {
                        if (e != null || status != 200) {
                            failed.increment();
                        } else {
                            done.increment();
                        }
                        run();
                    });
                }
            });
        }
        users.forEach(Runnable::run);
        Thread.sleep(TimeUnit.SECONDS.toMillis(warmup));
        long start = System.nanoTime();
        long before = done.sum();
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        long n = done.sum() - before;
        double elapsed = (System.nanoTime() - start) / 1e9;
        stop.set(true);
        Thread.sleep(200);
        if (failed.sum() > 0) {
            System.out.printf("  (%d requests failed)%n", failed.sum());
        }
        return n / elapsed;
    }
}
