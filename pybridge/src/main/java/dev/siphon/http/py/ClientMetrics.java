package dev.siphon.http.py;

import dev.siphon.http.client.ClientResponse;
import dev.siphon.http.client.HttpClient;
import dev.siphon.http.metrics.Counter;
import dev.siphon.http.metrics.LatencyHistogram;
import dev.siphon.http.metrics.MetricsRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.ToIntFunction;

/**
 * The outbound calls of scripts' {@code http.Client}s on {@code /metrics}, labelled by client:
 * its name under {@code clients:} in http.yaml, or {@code (inline)} for every client a script
 * made with its own settings (so a script cannot add label values). The outcome of a call is the
 * response's status class or the error kind {@code http.ClientError}'s subclasses name.
 */
final class ClientMetrics {
    private final ClientPools pools;
    private final Counter requests;
    private final LatencyHistogram duration;

    ClientMetrics(MetricsRegistry r, ClientPools pools) {
        this.pools = pools;
        requests = r.counter("siphon_client_requests", "outbound requests, by client and outcome (status class or error kind)",
                "client", "outcome");
        duration = r.latency("siphon_client_request_duration_seconds",
                "from the call to its response or failure, by client", "client");
        r.callback("siphon_client_connections_open", "outbound connections open or opening, by client", "gauge",
                List.of("client"), s -> perClient(HttpClient::openConnections).forEach((k, v) -> s.add(v, k)));
        r.callback("siphon_client_connections_idle", "outbound HTTP/1.1 connections waiting for reuse, by client",
                "gauge", List.of("client"), s -> perClient(HttpClient::idleConnections).forEach((k, v) -> s.add(v, k)));
    }

    /** Sums {@code value} over the clients that share a label (the inline ones). */
    private Map<String, Long> perClient(ToIntFunction<HttpClient> value) {
        Map<String, Long> sums = new LinkedHashMap<>();
        List<HttpClient> all = pools.all();
        for (int i = 0; i < all.size(); i++) {
            sums.merge(pools.label(i), (long) value.applyAsInt(all.get(i)), Long::sum);
        }
        return sums;
    }

    /** One call of client {@code id} ended, with a response or a failure. Any thread. */
    void completed(int id, long startNanos, ClientResponse response, Throwable failure) {
        String client = pools.label(id);
        String outcome;
        if (response != null) {
            outcome = Math.min(Math.max(response.status() / 100, 1), 5) + "xx";
        } else if (failure instanceof CancellationException) {
            outcome = "cancelled";
        } else {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            outcome = ClientErrorKind.of(cause).wire;
        }
        requests.labels(client, outcome).inc();
        duration.labels(client).recordNanos(System.nanoTime() - startNanos);
    }
}
