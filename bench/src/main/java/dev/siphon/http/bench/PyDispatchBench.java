package dev.siphon.http.bench;

import dev.siphon.http.AsyncHandler;
import dev.siphon.http.Headers;
import dev.siphon.http.Request;
import dev.siphon.http.Responder;
import dev.siphon.http.Response;
import dev.siphon.http.config.TrustedProxies;
import dev.siphon.http.py.RouteSpec;
import dev.siphon.http.py.WorkerPool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One Java → Python → Java dispatch through the {@link WorkerPool}, without sockets: the
 * benchmark thread stands where a connection's I/O loop does, hands an engine {@link Request}
 * to the pool's {@link AsyncHandler} (queued to the worker context's thread, delivered to
 * Python as flat values, the handler run, the response read back through the buffer API) and
 * waits until the {@link Responder} receives the {@link Response}.
 *
 * <ul>
 *   <li>{@code hello}: {@code GET /hello/{name}} returning {@code "hi <name>"}, one request at a
 *       time (average time of the round trip, both thread hand-offs included);</li>
 *   <li>{@code echoJson}: {@code POST /echo-json} with bench/python/echo.json's ~1 KB document
 *       (json.loads, add a field, json.dumps), one at a time;</li>
 *   <li>{@code helloOutstanding}: {@value #OUTSTANDING} hello requests handed over at once, then
 *       all awaited (score per request: the worker's per-request cost when it is never idle).</li>
 * </ul>
 *
 * <p>GraalPy's JIT needs JVMCI and the Graal compiler on the upgrade module path, which only the
 * command line can give: run through {@code bench/jmh.sh} (what {@code make bench} does), which
 * starts JMH with those flags and the pybridge class path; the forks inherit both. The set-up
 * fails when the JIT is off, so an interpreted run cannot pass for a measurement. The JIT is
 * slow to warm up on a stock JDK (tens of seconds), hence the long warm-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 30, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-XX:+UseParallelGC")
public class PyDispatchBench {
    static final int OUTSTANDING = 64;

    private static final String SCRIPT = """
            import json
            from siphon import http

            @http.route("/hello/{name}")
            def hello(req):
                return http.Response(body="hi " + req.path_params["name"])

            @http.route("/echo-json", methods=["POST"])
            def echo_json(req):
                doc = json.loads(req.body())
                doc["echoed"] = True
                return http.Response(headers={"content-type": "application/json"}, body=json.dumps(doc))
            """;

    /** The ~1 KB document of bench/python/echo.json (numbers, strings, nested objects, escapes). */
    static final String ECHO_BODY = "{\"order_id\": 918273645, \"customer\": {\"id\": 4412, \"name\": \"Zo\\u00eb M\\u00fcller\", "
            + "\"email\": \"zoe@example.com\", \"tier\": \"gold\", \"verified\": true, \"address\": {\"street\": "
            + "\"12 Rue de la Paix\", \"city\": \"Paris\", \"zip\": \"75002\", \"country\": \"FR\"}}, \"items\": ["
            + item(0, "19.99", "null") + ", " + item(1, "20.99", "0.15") + ", " + item(2, "21.99", "null") + ", "
            + item(3, "22.99", "0.15") + ", " + item(4, "23.99", "null") + "], \"total\": 153.37, \"currency\": \"EUR\", "
            + "\"created\": \"2026-11-21T23:41:26Z\", \"notes\": \"Leave at the door \\\"please\\\"\\n\", \"gift\": false, "
            + "\"samples\": [3, 14, 15, 92, 65, 35, 89, 79]}";

    private static String item(int i, String price, String discount) {
        return "{\"sku\": \"SKU-000" + i + "\", \"name\": \"Widget \\u00e9 " + i + "\", \"qty\": " + (i + 1)
                + ", \"price\": " + price + ", \"discount\": " + discount + ", \"tags\": [\"blue\", \"large\"]}";
    }

    private Path dir;
    private WorkerPool pool;
    private AsyncHandler helloHandler;
    private AsyncHandler echoHandler;
    private Request helloRequest;
    private Request echoRequest;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("siphon-pybench");
        Path script = dir.resolve("dispatch_bench.py");
        Files.writeString(script, SCRIPT);
        pool = WorkerPool.load(script, 1);
        if (pool.implementationName().contains("Interpreted")) {
            throw new IllegalStateException("GraalPy runs interpreted: run through bench/jmh.sh (JVMCI and the Graal"
                    + " compiler on the upgrade module path), not java -jar");
        }
        List<RouteSpec> routes = pool.registrations().routes();
        helloHandler = pool.handler(indexOf(routes, "/hello/{name}"));
        echoHandler = pool.handler(indexOf(routes, "/echo-json"));
        InetSocketAddress client = new InetSocketAddress("127.0.0.1", 50000);
        helloRequest = new Request("GET", "/hello/bench", null, "HTTP/1.1", "http",
                new Headers().add("host", "127.0.0.1").add("user-agent", "jmh"), null, client, TrustedProxies.NONE,
                "/hello/{name}", Map.of("name", "bench"));
        echoRequest = new Request("POST", "/echo-json", null, "HTTP/1.1", "http",
                new Headers().add("host", "127.0.0.1").add("content-type", "application/json"),
                ECHO_BODY.getBytes(StandardCharsets.UTF_8), client, TrustedProxies.NONE, "/echo-json", Map.of());
        // the right answers, or the benchmark measures an error path
        expect(roundTrip(helloHandler, helloRequest), "hi bench");
        String echoed = new String(roundTrip(echoHandler, echoRequest).body(), StandardCharsets.UTF_8);
        if (!echoed.equals(ECHO_BODY.substring(0, ECHO_BODY.length() - 1) + ", \"echoed\": true}")) {
            throw new IllegalStateException("POST /echo-json answered " + echoed);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pool.close();
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public Response hello() throws Exception {
        return roundTrip(helloHandler, helloRequest);
    }

    @Benchmark
    public Response echoJson() throws Exception {
        return roundTrip(echoHandler, echoRequest);
    }

    @Benchmark
    @OperationsPerInvocation(OUTSTANDING)
    public int helloOutstanding() throws Exception {
        Countdown done = new Countdown(OUTSTANDING);
        for (int i = 0; i < OUTSTANDING; i++) {
            helloHandler.handle(helloRequest, done);
        }
        done.await();
        return done.status;
    }

    private static Response roundTrip(AsyncHandler handler, Request request) throws Exception {
        Countdown w = new Countdown(1);
        handler.handle(request, w);
        return w.await();
    }

    private static int indexOf(List<RouteSpec> routes, String pattern) {
        for (int i = 0; i < routes.size(); i++) {
            if (routes.get(i).pattern().equals(pattern)) {
                return i;
            }
        }
        throw new IllegalStateException("no route " + pattern + " in " + routes);
    }

    private static void expect(Response r, String body) {
        String got = new String(r.body(), StandardCharsets.UTF_8);
        if (r.status() != 200 || !got.equals(body)) {
            throw new IllegalStateException("expected 200 '" + body + "', got " + r.status() + " '" + got + "'");
        }
    }

    /**
     * One Responder for a batch of {@code n} requests (1: a single round trip): the benchmark
     * thread parks until all were answered.
     */
    private static final class Countdown implements Responder {
        private final Thread owner = Thread.currentThread();
        private final AtomicInteger left;
        volatile int status = 200;
        private volatile Response last;

        Countdown(int n) {
            left = new AtomicInteger(n);
        }

        @Override
        public void send(Response r) {
            if (r.status() != 200) {
                status = r.status();
            }
            last = r;
            if (left.decrementAndGet() == 0) {
                LockSupport.unpark(owner);
            }
        }

        @Override
        public void fail(Throwable cause) {
            send(new Response(500, new Headers(), new byte[0]));
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void onCancel(Runnable action) {
        }

        /** The last response, once all were answered with 200. */
        Response await() {
            while (left.get() > 0) {
                LockSupport.park(this);
            }
            if (status != 200) {
                throw new IllegalStateException("the worker answered " + status);
            }
            return last;
        }
    }
}
