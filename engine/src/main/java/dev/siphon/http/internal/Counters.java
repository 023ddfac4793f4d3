package dev.siphon.http.internal;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Engine-wide counters: connections, requests, and one counter per limit that can trip.
 * Updated from every loop; read by metrics and tests.
 */
public final class Counters {
    /** Each configured limit that can reject input. */
    public enum Limit {
        HEADER_BYTES,
        HEADER_COUNT,
        BODY_BYTES,
        HEADER_TIMEOUT,
        BODY_TIMEOUT,
        IDLE_TIMEOUT,
        REQUEST_TIMEOUT,
        WRITE_STALL,
        MALFORMED
    }

    private final EnumMap<Limit, LongAdder> limits = new EnumMap<>(Limit.class);
    private final LongAdder accepted = new LongAdder();
    private final LongAdder closed = new LongAdder();
    private final LongAdder requests = new LongAdder();

    public Counters() {
        for (Limit l : Limit.values()) {
            limits.put(l, new LongAdder());
        }
    }

    public void tripped(Limit limit) {
        limits.get(limit).increment();
    }

    public long count(Limit limit) {
        return limits.get(limit).sum();
    }

    public void connectionAccepted() {
        accepted.increment();
    }

    public void connectionClosed() {
        closed.increment();
    }

    public void request() {
        requests.increment();
    }

    public long connectionsAccepted() {
        return accepted.sum();
    }

    public long connectionsOpen() {
        return accepted.sum() - closed.sum();
    }

    public long requests() {
        return requests.sum();
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("connections_accepted", connectionsAccepted());
        m.put("connections_open", connectionsOpen());
        m.put("requests", requests());
        limits.forEach((k, v) -> m.put("limit_" + k.name().toLowerCase(java.util.Locale.ROOT), v.sum()));
        return m;
    }
}
