package dev.siphon.http.bench;

import dev.siphon.http.router.RouteMatch;
import dev.siphon.http.router.Router;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Route matching over a 50-route table shaped like a real service: static
 * routes, one- to three-parameter routes, shared prefixes, several methods on
 * one pattern, and catch-alls.
 *
 * <p>Target (documented, not asserted): {@link #twoParams} -- match and read both
 * parameters of {@code /users/{id}/orders/{order}} -- under 100 ns.
 *
 * <p>{@link #setUp} checks that every request path resolves to the outcome its
 * benchmark claims, so a change in the router cannot silently turn the
 * two-parameter case into a 404 that looks fast.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1) // 3 left some forks still compiling on 2-core machines
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "-XX:+UseParallelGC") // the GC the servers and the launcher run with
public class RouterBench {

    /** The handler type the router carries: a name is all a benchmark needs. */
    public record Handler(String name) {}

    static final String[][] ROUTES = {
        {"GET", "/"},
        {"GET", "/health"},
        {"GET", "/metrics"},
        {"GET", "/favicon.ico"},
        {"GET", "/robots.txt"},
        {"GET", "/static/{*rest}"},
        {"GET", "/docs/{*page}"},
        {"GET", "/login"},
        {"POST", "/login"},
        {"POST", "/logout"},
        {"GET", "/account/profile"},
        {"PATCH", "/account/profile"},
        {"GET", "/users"},
        {"POST", "/users"},
        {"GET", "/users/{id}"},
        {"PUT", "/users/{id}"},
        {"DELETE", "/users/{id}"},
        {"GET", "/users/{id}/orders"},
        {"POST", "/users/{id}/orders"},
        {"GET", "/users/{id}/orders/{order}"},
        {"DELETE", "/users/{id}/orders/{order}"},
        {"GET", "/users/{id}/orders/{order}/items"},
        {"GET", "/users/{id}/settings"},
        {"PATCH", "/users/{id}/settings"},
        {"GET", "/orders"},
        {"GET", "/orders/{order}"},
        {"GET", "/orders/{order}/invoice"},
        {"GET", "/products"},
        {"GET", "/products/{sku}"},
        {"GET", "/products/{sku}/reviews"},
        {"POST", "/products/{sku}/reviews"},
        {"GET", "/products/{sku}/reviews/{review}"},
        {"GET", "/categories"},
        {"GET", "/categories/{slug}"},
        {"GET", "/categories/{slug}/products"},
        {"GET", "/search"},
        {"GET", "/blog"},
        {"GET", "/blog/{year}/{month}/{slug}"},
        {"GET", "/hello/{name}"},
        {"GET", "/api/v1/status"},
        {"GET", "/api/v1/users"},
        {"GET", "/api/v1/users/{id}"},
        {"GET", "/api/v1/users/{id}/repos"},
        {"GET", "/api/v1/repos/{owner}/{repo}"},
        {"GET", "/api/v1/repos/{owner}/{repo}/issues"},
        {"POST", "/api/v1/repos/{owner}/{repo}/issues"},
        {"GET", "/api/v1/repos/{owner}/{repo}/issues/{number}"},
        {"GET", "/api/v1/repos/{owner}/{repo}/contents/{*path}"},
        {"GET", "/api/v2/status"},
        {"GET", "/api/v2/events"},
    };

    Router<Handler> router;

    // Read from fields, not constants, so the JIT cannot fold the inputs.
    String get = "GET";
    String twoParamPath = "/users/12345/orders/987";
    String staticPath = "/api/v1/status";
    String catchAllPath = "/static/css/site.min.css";
    String notFoundPath = "/users/12345/wishlist";

    @Setup(Level.Trial)
    public void setUp() {
        if (ROUTES.length != 50) {
            throw new IllegalStateException("route table has " + ROUTES.length + " routes, not 50");
        }
        var builder = Router.<Handler>builder();
        for (String[] r : ROUTES) {
            builder = builder.add(r[0], r[1], new Handler(r[0] + " " + r[1]));
        }
        router = builder.build();

        Map<String, String> p = expectFound(twoParamPath, "/users/{id}/orders/{order}").params();
        if (!"12345".equals(p.get("id")) || !"987".equals(p.get("order"))) {
            throw new IllegalStateException("wrong parameters for " + twoParamPath + ": " + p);
        }
        expectFound(staticPath, "/api/v1/status");
        Map<String, String> rest = expectFound(catchAllPath, "/static/{*rest}").params();
        if (!"css/site.min.css".equals(rest.get("rest"))) {
            throw new IllegalStateException("wrong catch-all for " + catchAllPath + ": " + rest);
        }
        RouteMatch<Handler> miss = router.match(get, notFoundPath);
        if (miss instanceof RouteMatch.Found<Handler>) {
            throw new IllegalStateException(notFoundPath + " should not match, was " + miss);
        }
    }

    private RouteMatch.Found<Handler> expectFound(String path, String pattern) {
        RouteMatch<Handler> m = router.match(get, path);
        if (m instanceof RouteMatch.Found<Handler> f && pattern.equals(f.pattern())) {
            return f;
        }
        throw new IllegalStateException(path + " should match " + pattern + ", was " + m);
    }

    /** Match plus what a handler does next: read both parameters. */
    @Benchmark
    public void twoParams(Blackhole bh) {
        if (router.match(get, twoParamPath) instanceof RouteMatch.Found<Handler> f) {
            bh.consume(f.handler());
            bh.consume(f.params().get("id"));
            bh.consume(f.params().get("order"));
        } else {
            bh.consume(null);
        }
    }

    @Benchmark
    public void staticRoute(Blackhole bh) {
        bh.consume(router.match(get, staticPath));
    }

    @Benchmark
    public void catchAll(Blackhole bh) {
        bh.consume(router.match(get, catchAllPath));
    }

    @Benchmark
    public void notFound(Blackhole bh) {
        bh.consume(router.match(get, notFoundPath));
    }
}
