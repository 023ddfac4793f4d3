package dev.siphon.http.config;

import java.util.List;
import java.util.Objects;

/**
 * One listening socket ({@code servers[i]}). Every listener serves HTTP/1.1 and HTTP/2.
 *
 * @param host             interface to bind: an IP literal (IPv6 without brackets) or a host name
 * @param port             0..65535; 0 asks the OS for a free port
 * @param tls              TLS identity, or {@code null} for cleartext
 * @param maxBodyBytes     request body cap; a larger body is answered 413 without buffering past it
 * @param requestTimeoutMs budget from the end of a request's head to the end of its response (504 past it)
 * @param trustedProxies   IP literals and CIDR ranges ({@code 10.0.0.0/8}) of peers trusted to set
 *                         {@code X-Forwarded-For}
 */
public record ServerConfig(String host, int port, TlsConfig tls, long maxBodyBytes, long requestTimeoutMs,
                           List<String> trustedProxies) {

    public static final long DEFAULT_MAX_BODY_BYTES = 1_048_576;
    /**
     * Largest request body cap, 1 GiB: a body is buffered whole in one array (at most 2 GiB in
     * Java) and copied once more for a Python handler.
     */
    public static final long MAX_BODY_BYTES = 1L << 30;
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

    /** The keys of {@code servers[i]}, declared once (see {@link Setting}). */
    public static final Section SECTION = Section.of("servers[i]",
            Setting.shaped("listen", null, "string", "**required**", "host:port to bind; port 0 asks the OS for one"),
            Setting.shaped("tls", "tls", "mapping", "none", "TLS identity; present means the listener speaks TLS"),
            Setting.integer("max_body_bytes", "maxBodyBytes", 0, MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES,
                    "request body cap; a larger body is answered 413"),
            Setting.integer("request_timeout_ms", "requestTimeoutMs", 1, Bounds.MAX_TIMEOUT_MS,
                    DEFAULT_REQUEST_TIMEOUT_MS, "from the end of a request's head to the end of its response; over -> 504"),
            Setting.shaped("trusted_proxies", "trustedProxies", "list of IP addresses and CIDR ranges", "`[]`",
                    "peers trusted to set X-Forwarded-For"));

    public ServerConfig {
        String badHost = HostPort.checkHost(Objects.requireNonNull(host, "host"));
        if (badHost != null) {
            throw new IllegalArgumentException(badHost);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be from 0 to 65535, was " + port);
        }
        SECTION.check("maxBodyBytes", maxBodyBytes);
        SECTION.check("requestTimeoutMs", requestTimeoutMs);
        trustedProxies = List.copyOf(trustedProxies);
        for (String entry : trustedProxies) {
            String expected = TrustedProxies.check(entry);
            if (expected != null) {
                throw new IllegalArgumentException("trusted_proxies: " + expected + ", found " + Texts.quote(entry));
            }
        }
    }

    /**
     * A cleartext listener on {@code hostPort} ({@code "127.0.0.1:8080"}, {@code "[::1]:0"}) with
     * every other setting at its default.
     *
     * @throws IllegalArgumentException when {@code hostPort} is not a valid {@code host:port}
     */
    public static ServerConfig listen(String hostPort) {
        HostPort hp = HostPort.parse(Objects.requireNonNull(hostPort, "hostPort"));
        return new ServerConfig(hp.host(), hp.port(), null, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT_MS, List.of());
    }

    /** The {@code listen} form: {@code host:port}, {@code [::1]:8080} for an IPv6 host. */
    public String listen() {
        return HostPort.format(host, port);
    }

    public ServerConfig withHost(String host) {
        return Section.with(this, "host", host);
    }

    public ServerConfig withPort(int port) {
        return Section.with(this, "port", port);
    }

    /** {@code null} turns TLS off. */
    public ServerConfig withTls(TlsConfig tls) {
        return Section.with(this, "tls", tls);
    }

    public ServerConfig withMaxBodyBytes(long maxBodyBytes) {
        return Section.with(this, "maxBodyBytes", maxBodyBytes);
    }

    public ServerConfig withRequestTimeoutMs(long requestTimeoutMs) {
        return Section.with(this, "requestTimeoutMs", requestTimeoutMs);
    }

    public ServerConfig withTrustedProxies(List<String> trustedProxies) {
        return Section.with(this, "trustedProxies", trustedProxies);
    }
}
