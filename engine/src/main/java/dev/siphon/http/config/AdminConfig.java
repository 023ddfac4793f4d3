package dev.siphon.http.config;

import java.util.Objects;

/**
 * The admin listener ({@code admin:}): {@code /metrics}, {@code /healthz} and {@code /readyz},
 * answered by the engine's own loops with Java handlers, never through a Python worker queue, on
 * a port of their own. Off unless configured.
 *
 * @param host         interface to bind: an IP literal (IPv6 without brackets) or a host name
 * @param port         0..65535; 0 asks the OS for a free port
 * @param drainDelayMs on shutdown, how long {@code /readyz} answers 503 while every listener still
 *                     serves, so that a load balancer polling it stops sending first; then the
 *                     graceful shutdown ({@code engine.shutdown_grace_ms}) begins
 */
public record AdminConfig(String host, int port, long drainDelayMs) {
    public static final long DEFAULT_DRAIN_DELAY_MS = 0;

    /** The keys of {@code admin:}, declared once (see {@link Setting}). */
    public static final Section SECTION = Section.of("admin",
            Setting.shaped("listen", null, "string", "**required**",
                    "host:port of the admin listener; its own port, never a server's"),
            Setting.integer("drain_delay_ms", "drainDelayMs", 0, Bounds.MAX_TIMEOUT_MS, DEFAULT_DRAIN_DELAY_MS,
                    "on shutdown, /readyz answers 503 this long before connections drain"));

    public AdminConfig {
        String badHost = HostPort.checkHost(Objects.requireNonNull(host, "host"));
        if (badHost != null) {
            throw new IllegalArgumentException(badHost);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, was " + port);
        }
        SECTION.check("drainDelayMs", drainDelayMs);
    }

    /**
     * An admin listener on {@code hostPort} ({@code "127.0.0.1:9090"}) with no drain delay.
     *
     * @throws IllegalArgumentException when {@code hostPort} is not a valid {@code host:port}
     */
    public static AdminConfig listen(String hostPort) {
        HostPort hp = HostPort.parse(Objects.requireNonNull(hostPort, "hostPort"));
        return new AdminConfig(hp.host(), hp.port(), DEFAULT_DRAIN_DELAY_MS);
    }

    /** The {@code listen} form: {@code host:port}, {@code [::1]:9090} for an IPv6 host. */
    public String listen() {
        return HostPort.format(host, port);
    }

    public AdminConfig withDrainDelayMs(long drainDelayMs) {
        return Section.with(this, "drainDelayMs", drainDelayMs);
    }

    /** The index of the first of {@code servers} whose socket this listener would take ({@link #collidesWith}), or -1. */
    public int collidingServer(java.util.List<ServerConfig> servers) {
        for (int i = 0; i < servers.size(); i++) {
            if (collidesWith(servers.get(i).host(), servers.get(i).port())) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Whether a listener on {@code host:port} would take this listener's socket: the same port
     * (not 0) on the same address, or on the wildcard address of either.
     */
    public boolean collidesWith(String otherHost, int otherPort) {
        if (port == 0 || otherPort != port) {
            return false;
        }
        return HostPort.canonical(host, port).equals(HostPort.canonical(otherHost, otherPort))
                || wildcard(host) || wildcard(otherHost);
    }

    private static boolean wildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
    }
}
