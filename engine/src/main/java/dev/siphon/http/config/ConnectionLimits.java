package dev.siphon.http.config;

/**
 * How many connections the engine holds open, and how many TLS handshakes it runs at once
 * ({@code engine.max_connections}, {@code engine.max_connections_per_ip},
 * {@code engine.max_tls_handshakes}). A connection over any of them is accepted and closed at
 * once, before anything is allocated for it. Engine-wide: every listener counts against the same
 * numbers. Out of range → {@link IllegalArgumentException} naming the setting.
 *
 * @param maxConnections      open connections over every listener, TLS handshakes included
 * @param maxConnectionsPerIp open connections from one client address: an IPv4 address, or the
 *                            /64 prefix of an IPv6 one (what one host is usually given).
 *                            Connections from a listener's {@code trusted_proxies} are not held
 *                            to it (they carry many clients), only to {@code maxConnections}
 * @param maxTlsHandshakes    TLS connections accepted and not yet through their handshake
 */
public record ConnectionLimits(int maxConnections, int maxConnectionsPerIp, int maxTlsHandshakes) {

    /** Most connections: each is a file descriptor, and Linux's own ceiling (fs.nr_open) is 1,048,576. */
    public static final int MAX_CONNECTIONS = 1_048_576;
    /**
     * Well under the 28,000 ephemeral ports one client address has towards one server port (Linux's
     * default range), so a single address cannot fill the default {@link #DEFAULT_MAX_CONNECTIONS}
     * alone; load generators and tests on 127.0.0.1 raise it.
     */
    public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 256;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    /** Each handshake in progress holds a TLS engine (tens of KiB during the handshake). */
    public static final int DEFAULT_MAX_TLS_HANDSHAKES = 1_024;

    /**
     * The keys of this record, declared once (see {@link Setting}); they sit in {@code engine:},
     * after {@link EngineSettings#SECTION}'s own.
     */
    public static final Section SECTION = Section.of("engine",
            Setting.integer("max_connections", "maxConnections", 1, MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS,
                    "open connections over every listener, TLS handshakes included"),
            Setting.integer("max_connections_per_ip", "maxConnectionsPerIp", 1, MAX_CONNECTIONS,
                    DEFAULT_MAX_CONNECTIONS_PER_IP, "open connections from one client address (IPv6: its /64)"),
            Setting.integer("max_tls_handshakes", "maxTlsHandshakes", 1, MAX_CONNECTIONS, DEFAULT_MAX_TLS_HANDSHAKES,
                    "TLS connections accepted and not yet through their handshake"));

    public ConnectionLimits {
        SECTION.check("maxConnections", maxConnections);
        SECTION.check("maxConnectionsPerIp", maxConnectionsPerIp);
        SECTION.check("maxTlsHandshakes", maxTlsHandshakes);
    }

    public static ConnectionLimits defaults() {
        return Section.build(ConnectionLimits.class, SECTION.defaultValues());
    }

    public ConnectionLimits withMaxConnections(int maxConnections) {
        return Section.with(this, "maxConnections", maxConnections);
    }

    public ConnectionLimits withMaxConnectionsPerIp(int maxConnectionsPerIp) {
        return Section.with(this, "maxConnectionsPerIp", maxConnectionsPerIp);
    }

    public ConnectionLimits withMaxTlsHandshakes(int maxTlsHandshakes) {
        return Section.with(this, "maxTlsHandshakes", maxTlsHandshakes);
    }
}
