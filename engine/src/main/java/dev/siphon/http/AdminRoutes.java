package dev.siphon.http;

import dev.siphon.http.codec.Json;
import dev.siphon.http.metrics.Exposition;
import dev.siphon.http.router.Router;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * The admin listener's three routes, answered on the loop that read the request (the probes of
 * {@code /healthz} come back from the other loops as tasks): no Python worker queue is involved,
 * so they answer while every worker is busy or every queue is full.
 */
final class AdminRoutes {
    /** How long /healthz waits for a loop to run its probe task before calling it stalled. */
    static final long LOOP_PROBE_TIMEOUT_MS = 1000;

    private AdminRoutes() {}

    static Router<AsyncHandler> build(Supplier<HttpEngine> engine, List<HttpEngine.HealthCheck> checks) {
        Router.Builder<AsyncHandler> r = Router.builder();
        r.add(List.of("GET", "HEAD"), "/metrics", (req, out) -> {
            Exposition format = Exposition.negotiate(req.header("accept"));
            String text = engine.get().metrics().scrape(format);
            out.send(new Response(200).header("content-type", format.contentType())
                    .body(text.getBytes(StandardCharsets.UTF_8)));
        });
        r.add(List.of("GET", "HEAD"), "/healthz", (req, out) -> engine.get().healthProblems(checks, LOOP_PROBE_TIMEOUT_MS)
                .whenComplete((problems, failed) -> {
                    if (failed != null) {
                        out.send(json(503, "{\"status\":\"failing\",\"problems\":[" + Json.string(failed.toString()) + "]}"));
                    } else if (problems.isEmpty()) {
                        out.send(json(200, "{\"status\":\"ok\"}"));
                    } else {
                        StringBuilder b = new StringBuilder("{\"status\":\"failing\",\"problems\":[");
                        for (int i = 0; i < problems.size(); i++) {
                            b.append(i > 0 ? "," : "").append(Json.string(problems.get(i)));
                        }
                        out.send(json(503, b.append("]}").toString()));
                    }
                }));
        r.add(List.of("GET", "HEAD"), "/readyz", (req, out) -> {
            String why = engine.get().notReadyReason();
            out.send(why == null ? json(200, "{\"status\":\"ready\"}")
                    : json(503, "{\"status\":\"not ready\",\"reason\":" + Json.string(why) + "}"));
        });
        return r.build();
    }

    private static Response json(int status, String body) {
        return new Response(status).header("content-type", "application/json")
                .header("cache-control", "no-store").body(body.getBytes(StandardCharsets.UTF_8));
    }
}
