package dev.siphon.http.internal;

import dev.siphon.http.codec.BodyBudget;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Engine-wide counters: connections, requests, one counter per limit that can trip, and the
 * request-body octets buffered now ({@link BodyBudget}).
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
        MALFORMED,
        /** HTTP/2: streams opened then reset (by the peer, or by us for its errors) over budget (CVE-2023-44487). */
        H2_RAPID_RESET,
        /** HTTP/2: control-frame answers (PING/SETTINGS acks, resets) piling up for a peer that does not read. */
        H2_CONTROL_FLOOD,
        /** HTTP/2: too many CONTINUATION frames or bytes in one header block. */
        H2_CONTINUATION,
        /** HTTP/2: a decoded header list over SETTINGS_MAX_HEADER_LIST_SIZE (HPACK bomb). */
        H2_HEADER_LIST,
        /** HTTP/2: empty DATA frames (without END_STREAM) over budget. */
        H2_EMPTY_FRAMES,
        /** HTTP/2: a stream refused over SETTINGS_MAX_CONCURRENT_STREAMS. */
        H2_CONCURRENT_STREAMS,
        /** HTTP/2: a flow-control window overflowed or was exceeded by the peer. */
        H2_FLOW_CONTROL,
        /** HTTP/2: a stream refused because the connection's streams already hold its budget of request bodies. */
        H2_CONNECTION_BODY_BYTES,
        /** A request whose body did not fit in {@code engine.max_buffered_body_bytes}, answered 503. */
        BODY_BUDGET,
        /** HTTP/2: the peer did not acknowledge our SETTINGS in time (GOAWAY SETTINGS_TIMEOUT). */
        H2_SETTINGS_TIMEOUT,
        /** HTTP/2: responses blocked on a flow-control window the peer left closed for {@code idle_timeout_ms}. */
        H2_SEND_STALL,
        /** HTTP/2: graceful shutdown sent its final GOAWAY without the answer to its PING. */
        H2_SHUTDOWN_PING_TIMEOUT,
        /** HTTP/2: a complete request held in its connection while {@code max_dispatched_streams} of its requests were with handlers. */
        H2_DISPATCHED_STREAMS,
        /** TLS: a handshake that failed (not a ClientHello, no common version or suite, bad client certificate). */
        TLS_HANDSHAKE,
        /** TLS: a handshake not finished within {@code tls.handshake_timeout_ms}. */
        TLS_HANDSHAKE_TIMEOUT,
        /** A connection closed on accept: {@code engine.max_connections} were open. */
        MAX_CONNECTIONS,
        /** A connection closed on accept: {@code engine.max_connections_per_ip} were open from its address. */
        MAX_CONNECTIONS_PER_IP,
        /** A TLS connection closed on accept: {@code engine.max_tls_handshakes} were in progress. */
        MAX_TLS_HANDSHAKES
    }

    private final EnumMap<Limit, LongAdder> limits = new EnumMap<>(Limit.class);
    private final LongAdder accepted = new LongAdder();
    private final LongAdder closed = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder tlsHandshakes = new LongAdder();
    private final LongAdder h2StreamsOpened = new LongAdder();
    private final LongAdder h2StreamsClosed = new LongAdder();
    private final LongAdder h2ResetsReceived = new LongAdder();
    private final LongAdder h2GoAwaysSent = new LongAdder();
    private final BodyBudget bodyBudget;

    /** Counters with no limit on buffered request bodies. */
    public Counters() {
        this(Long.MAX_VALUE);
    }

    /** @param maxBufferedBodyBytes the engine's {@link BodyBudget}, {@code engine.max_buffered_body_bytes} */
    public Counters(long maxBufferedBodyBytes) {
        for (Limit l : Limit.values()) {
            limits.put(l, new LongAdder());
        }
        bodyBudget = new BodyBudget(maxBufferedBodyBytes);
    }

    /** Request-body octets buffered by every connection, against their limit: a gauge as well as a budget. */
    public BodyBudget bodyBudget() {
        return bodyBudget;
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

    public void tlsHandshakeDone() {
        tlsHandshakes.increment();
    }

    public long tlsHandshakes() {
        return tlsHandshakes.sum();
    }

    public void h2StreamOpened() {
        h2StreamsOpened.increment();
    }

    public void h2StreamClosed() {
        h2StreamsClosed.increment();
    }

    public void h2ResetReceived() {
        h2ResetsReceived.increment();
    }

    public void h2GoAwaySent() {
        h2GoAwaysSent.increment();
    }

    public long h2StreamsOpened() {
        return h2StreamsOpened.sum();
    }

    public long h2StreamsOpen() {
        return h2StreamsOpened.sum() - h2StreamsClosed.sum();
    }

    public long h2ResetsReceived() {
        return h2ResetsReceived.sum();
    }

    public long h2GoAwaysSent() {
        return h2GoAwaysSent.sum();
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
        m.put("buffered_body_bytes", bodyBudget.reserved());
        limits.forEach((k, v) -> m.put("limit_" + k.name().toLowerCase(java.util.Locale.ROOT), v.sum()));
        return m;
    }
}
