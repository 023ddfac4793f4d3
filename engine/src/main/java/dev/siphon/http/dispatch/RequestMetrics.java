package dev.siphon.http.dispatch;

import dev.siphon.http.metrics.Counter;
import dev.siphon.http.metrics.LatencyHistogram;
import dev.siphon.http.metrics.MetricsRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the engine records per answered request: a count by route pattern, method and status
 * class, the duration per route (an HdrHistogram recorder), body octets in and out per route,
 * and the 413, 503 and 504 answers. The route is the pattern that matched ({@value #UNMATCHED}
 * when none did), never the raw path, and methods outside RFC 9110's eight (and PATCH) count as
 * {@code OTHER}, so the label sets stay bounded whatever clients send. Called on the loop threads
 * when a response is written; one map lookup and a few adder increments.
 */
public final class RequestMetrics {
    /** The route label of a request no route matched (404, 405, 400, 501, and requests refused before routing). */
    public static final String UNMATCHED = "(none)";
    /** Records nothing: an engine without a registry. */
    public static final RequestMetrics OFF = new RequestMetrics();

    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
        "PATCH", "OTHER"};
    private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};

    private final boolean on;
    private final Counter requests;
    private final LatencyHistogram duration;
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter.Child tooLarge;
    private final Counter.Child overloaded;
    private final Counter.Child timedOut;
    private final ConcurrentHashMap<String, Route> routes = new ConcurrentHashMap<>();

    /** The children of one route pattern, created on its first request. */
    private final class Route {
        final Counter.Child[] byMethodAndClass = new Counter.Child[METHODS.length * CLASSES.length];
        final LatencyHistogram.Child duration;
        final Counter.Child in;
        final Counter.Child out;
        final String pattern;

        Route(String pattern) {
            this.pattern = pattern;
            this.duration = RequestMetrics.this.duration.labels(pattern);
            this.in = bytesIn.labels(pattern);
            this.out = bytesOut.labels(pattern);
        }

        Counter.Child requests(int method, int statusClass) {
            int i = method * CLASSES.length + statusClass;
            Counter.Child c = byMethodAndClass[i];
            if (c == null) {
                c = requests.labels(pattern, METHODS[method], CLASSES[statusClass]);
                byMethodAndClass[i] = c; // a racing loop may create the same child: labels() returns one
            }
            return c;
        }
    }

    private RequestMetrics() {
        on = false;
        requests = null;
        duration = null;
        bytesIn = null;
        bytesOut = null;
        tooLarge = overloaded = timedOut = null;
    }

    /** Registers the engine's request families in {@code registry}. */
    public RequestMetrics(MetricsRegistry registry) {
        on = true;
        requests = registry.counter("siphon_http_requests", "requests answered, by route pattern, method and status class",
                "route", "method", "status_class");
        duration = registry.latency("siphon_http_request_duration_seconds",
                "from the complete request head to the response handed to the socket, by route pattern", "route");
        bytesIn = registry.counter("siphon_http_request_body_bytes", "request body octets received, by route pattern",
                "route");
        bytesOut = registry.counter("siphon_http_response_body_bytes", "response body octets sent, by route pattern",
                "route");
        Counter engineAnswers = registry.counter("siphon_http_engine_error_responses",
                "413 (body too large), 503 (overload) and 504 (timeout) answers", "status");
        tooLarge = engineAnswers.labels("413");
        overloaded = engineAnswers.labels("503");
        timedOut = engineAnswers.labels("504");
    }

    /**
     * One response written.
     *
     * @param method        the request's method, or null when it was refused before its method was known
     * @param route         the matched pattern, or null
     * @param durationNanos from the complete request head to now
     */
    public void responded(String method, String route, int status, long durationNanos, long bodyIn, long bodyOut) {
        if (!on) {
            return;
        }
        String key = route == null ? UNMATCHED : route;
        Route r = routes.get(key);
        if (r == null) {
            r = routes.computeIfAbsent(key, Route::new);
        }
        int statusClass = Math.min(Math.max(status / 100, 1), 5) - 1;
        r.requests(methodIndex(method), statusClass).inc();
        r.duration.recordNanos(durationNanos);
        if (bodyIn > 0) {
            r.in.inc(bodyIn);
        }
        if (bodyOut > 0) {
            r.out.inc(bodyOut);
        }
        switch (status) {
            case 413 -> tooLarge.inc();
            case 503 -> overloaded.inc();
            case 504 -> timedOut.inc();
            default -> { }
        }
    }

    private static int methodIndex(String m) {
        if (m == null) {
            return METHODS.length - 1;
        }
        return switch (m) {
            case "GET" -> 0;
            case "HEAD" -> 1;
            case "POST" -> 2;
            case "PUT" -> 3;
            case "DELETE" -> 4;
            case "CONNECT" -> 5;
            case "OPTIONS" -> 6;
            case "TRACE" -> 7;
            case "PATCH" -> 8;
            default -> METHODS.length - 1;
        };
    }
}
