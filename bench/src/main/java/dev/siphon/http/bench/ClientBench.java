package dev.siphon.http.bench;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.Response;
import dev.siphon.http.client.ClientResponse;
import dev.siphon.http.client.HttpClient;
import dev.siphon.http.config.EngineSettings;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * when the upstream accepts it, else HTTP/1.1 with 64 connections: printed as measured).
 *
 * <pre>
 * java -cp bench/target/siphon-bench.jar dev.siphon.http.bench.ClientBench [--warmup 3] [--seconds 5]
 *     [--pool 8] [--streams 64] [--url http://127.0.0.1:8080/hello] [--only h1-one,h1-pool,h2c]
 * </pre>
 */
public final class ClientBench {
    private ClientBench() {}

    public static void main(String[] args) throws Exception {
        int warmup = 3;
        int seconds = 5;
        int pool = 8;
        int streams = 64;
        String url = null;
        String only = "h1-one,h1-pool,h2c";
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--pool" -> pool = Integer.parseInt(args[i + 1]);
                case "--streams" -> streams = Integer.parseInt(args[i + 1]);
                case "--url" -> url = args[i + 1];
                case "--only" -> only = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        HttpEngine engine = null;
        if (url == null) {
            engine = HttpEngine.builder().listen("127.0.0.1:0")
                    .settings(EngineSettings.defaults().withIoLoops(2))
                    .route("GET", "/hello", req -> Response.text(200, "hello"))
                    .start();
            url = "http://127.0.0.1:" + engine.port() + "/hello";
        }
        System.out.printf("upstream %s, warm-up %d s, measured %d s, %d cpus%n", url, warmup, seconds,
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%-8s %-34s %12s%n", "scenario", "client", "req/s");
        try {
            for (String scenario : only.split(",")) {
                int concurrency = switch (scenario) {
                    case "h1-one" -> 1;
                    case "h1-pool" -> pool;
                    case "h2c" -> streams;
                    default -> throw new IllegalArgumentException("unknown scenario " + scenario);
                };
                boolean h2 = scenario.equals("h2c");
                long seenBefore = engine == null ? 0 : engine.counters().requests();
                double ours;
                try (HttpClient c = HttpClient.builder().poolSize(scenario.equals("h1-one") ? 1 : pool)
                        .http2PriorKnowledge(h2).timeoutMs(30_000).build()) {
                    String u = url;
                    ours = run(() -> c.get(u).thenApply(ClientResponse::status), concurrency, warmup, seconds);
                }
                System.out.printf("%-8s %-34s %,12.0f%n", scenario, "siphon HttpClient", ours);
                if (engine != null) {
                    System.out.printf("%-8s %-34s %,12d%n", scenario, "  (upstream counted requests)",
                            engine.counters().requests() - seenBefore);
                }
                double jdk;
                ExecutorService exec = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
                try (java.net.http.HttpClient j = java.net.http.HttpClient.newBuilder()
                        .version(h2 ? java.net.http.HttpClient.Version.HTTP_2 : java.net.http.HttpClient.Version.HTTP_1_1)
                        .executor(exec).connectTimeout(Duration.ofSeconds(5)).build()) {
                    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).GET().build();
                    jdk = run(() -> j.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
                            .thenApply(HttpResponse::statusCode), concurrency, warmup, seconds);
                } finally {
                    exec.shutdownNow();
                }
                System.out.printf("%-8s %-34s %,12.0f%n", scenario, "JDK java.net.http.HttpClient", jdk);
                System.out.printf("%-8s %-34s %12.2fx%n", scenario, "ratio siphon / JDK", ours / jdk);
            }
        } finally {
            if (engine != null) {
                engine.close();
            }
        }
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
