package dev.siphon.http.py;

import dev.siphon.http.client.RedisException;
import dev.siphon.http.metrics.Counter;
import dev.siphon.http.metrics.LatencyHistogram;
import dev.siphon.http.metrics.MetricsRegistry;

/**
 * The Redis commands of the scripts' {@code cache} calls on {@code /metrics}, labelled by cache
 * (a name declared in siphon.yaml, so scripts cannot add label values) and command; the
 * outcome is {@code ok}, {@code unavailable}, {@code timeout} or {@code error} (an error reply).
 * Calls answered by a local cache or tier are not counted.
 */
final class CacheMetrics {
    private final Counter commands;
    private final LatencyHistogram duration;

    CacheMetrics(MetricsRegistry r) {
        commands = r.counter("siphon_cache_redis_commands", "Redis commands of cache calls, by cache, command and outcome",
                "cache", "command", "outcome");
        duration = r.latency("siphon_cache_redis_duration_seconds",
                "from a cache call to its Redis reply or failure, by cache and command", "cache", "command");
    }

    /** A Redis call of cache {@code cache} ended. Any thread. */
    void completed(String cache, String command, long startNanos, Throwable failure) {
        String outcome = failure == null ? "ok"
                : failure instanceof RedisException r ? switch (r.kind()) {
                    case UNAVAILABLE -> "unavailable";
                    case TIMEOUT -> "timeout";
                    case REPLY -> "error";
                } : "error";
        commands.labels(cache, command, outcome).inc();
        duration.labels(cache, command).recordNanos(System.nanoTime() - startNanos);
    }
}
