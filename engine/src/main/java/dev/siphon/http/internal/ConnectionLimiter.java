package dev.siphon.http.internal;

import dev.siphon.http.config.ConnectionLimits;
import dev.siphon.http.internal.Counters.Limit;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Counts the engine's open connections, in all and per client address, and its TLS handshakes in
 * progress, against {@link ConnectionLimits}. One count for the whole engine, shared by every
 * listener; each listener has its own view ({@link #exempting}) for the addresses it does not
 * hold to the per-address limit. Thread-safe: listeners admit on their accepting loops, and
 * connections release on their own loops.
 *
 * <p>A connection is counted from {@link #admit} to {@link #release}, exactly once each; a TLS
 * connection holds a handshake slot from {@link #admit} to {@link #handshakeDone} or its
 * release, whichever comes first. Per-address counts are removed when they reach zero, so the
 * map holds one entry per address with a connection open.
 */
public final class ConnectionLimiter {
    private final Counts counts;
    private final Predicate<InetAddress> exempt;

    private record Counts(ConnectionLimits limits, AtomicInteger open, AtomicInteger handshakes,
                          ConcurrentHashMap<Object, Integer> perAddress) {}

    private ConnectionLimiter(Counts counts, Predicate<InetAddress> exempt) {
        this.counts = counts;
        this.exempt = exempt;
    }

    public ConnectionLimiter(ConnectionLimits limits) {
        this(new Counts(limits, new AtomicInteger(), new AtomicInteger(), new ConcurrentHashMap<>()), a -> false);
    }

    /**
     * The same counts, for a listener that does not hold connections from {@code exempt} addresses
     * (its trusted proxies) to {@code max_connections_per_ip}; they still count towards the total.
     */
    public ConnectionLimiter exempting(Predicate<InetAddress> exempt) {
        return new ConnectionLimiter(counts, exempt);
    }

    /**
     * Counts a new connection from {@code address}, and a handshake if it is {@code tls}.
     *
     * @return null when admitted; else the limit that refuses it, and nothing is counted
     */
    public Limit admit(InetAddress address, boolean tls) {
        ConnectionLimits l = counts.limits;
        if (counts.open.incrementAndGet() > l.maxConnections()) {
            counts.open.decrementAndGet();
            return Limit.MAX_CONNECTIONS;
        }
        if (tls && counts.handshakes.incrementAndGet() > l.maxTlsHandshakes()) {
            counts.handshakes.decrementAndGet();
            counts.open.decrementAndGet();
            return Limit.MAX_TLS_HANDSHAKES;
        }
        if (!exempt.test(address)) {
            int max = l.maxConnectionsPerIp();
            boolean[] refused = {false};
            counts.perAddress.compute(key(address), (k, n) -> {
                if (n == null) {
                    return 1;
                }
                refused[0] = n >= max;
                return refused[0] ? n : n + 1;
            });
            if (refused[0]) {
                if (tls) {
                    counts.handshakes.decrementAndGet();
                }
                counts.open.decrementAndGet();
                return Limit.MAX_CONNECTIONS_PER_IP;
            }
        }
        return null;
    }

    /** The connection admitted from {@code address} is closed; {@code handshaking} if it still held its slot. */
    public void release(InetAddress address, boolean handshaking) {
        if (handshaking) {
            counts.handshakes.decrementAndGet();
        }
        if (!exempt.test(address)) {
            counts.perAddress.computeIfPresent(key(address), (k, n) -> n == 1 ? null : n - 1);
        }
        counts.open.decrementAndGet();
    }

    /** A TLS connection finished its handshake: its slot is free for the next. */
    public void handshakeDone() {
        counts.handshakes.decrementAndGet();
    }

    /** Connections open now, over every listener. Any thread. */
    public int open() {
        return counts.open.get();
    }

    /** Connections open now from {@code address} (its /64 for IPv6), as counted against the per-address limit. */
    public int openFrom(InetAddress address) {
        return counts.perAddress.getOrDefault(key(address), 0);
    }

    /** TLS handshakes in progress now. */
    public int handshakes() {
        return counts.handshakes.get();
    }

    /** Client addresses with a connection open (each an entry in the per-address count). */
    public int addresses() {
        return counts.perAddress.size();
    }

    /**
     * What the per-address limit counts by: an IPv4 address itself; for IPv6 its first 64 bits,
     * the prefix one host is usually given (RFC 4291 §2.5.1 interface identifiers take the rest),
     * so a client cannot open a new allowance by picking another address of its own subnet.
     */
    private static Object key(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a;
        }
        byte[] b = a.getAddress();
        long prefix = 0;
        for (int i = 0; i < 8; i++) {
            prefix = prefix << 8 | (b[i] & 0xff);
        }
        return prefix;
    }
}
