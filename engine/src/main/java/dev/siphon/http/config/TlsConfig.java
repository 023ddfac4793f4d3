package dev.siphon.http.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A listener's TLS identity ({@code servers[i].tls}). Present means the listener speaks TLS.
 *
 * <p>The paths are not opened here: the configuration loader only resolves them (relative
 * paths against the configuration file's directory). The TLS layer reads the PEM files at
 * start-up and reports an unreadable or malformed one naming that file.
 *
 * @param certPath PEM certificate chain, leaf first
 * @param keyPath  PEM private key of the leaf certificate
 * @param clientCa PEM CA bundle; present means mutual TLS (a client certificate chaining to it
 *                 is required); {@code null} means no client certificate is asked for
 * @param handshakeTimeoutMs a connection whose TLS handshake has not finished this long after
 *                 it was accepted is closed ({@code tls.handshake_timeout_ms})
 */
public record TlsConfig(Path certPath, Path keyPath, Path clientCa, long handshakeTimeoutMs) {

    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

    /** The keys of {@code servers[i].tls}, declared once (see {@link Setting}). */
    public static final Section SECTION = Section.of("servers[i].tls",
            Setting.shaped("cert_path", "certPath", "path", "none", "PEM certificate chain, leaf first; required"),
            Setting.shaped("key_path", "keyPath", "path", "none", "PEM private key of the leaf; required"),
            Setting.shaped("client_ca", "clientCa", "path", "none", "PEM CA bundle; present means mutual TLS"),
            Setting.integer("handshake_timeout_ms", "handshakeTimeoutMs", 1, Bounds.MAX_TIMEOUT_MS,
                    DEFAULT_HANDSHAKE_TIMEOUT_MS, "a connection whose TLS handshake has not finished this long is closed"));

    public TlsConfig {
        Objects.requireNonNull(certPath, "certPath");
        Objects.requireNonNull(keyPath, "keyPath");
        SECTION.check("handshakeTimeoutMs", handshakeTimeoutMs);
    }

    /** With the default handshake timeout. */
    public TlsConfig(Path certPath, Path keyPath, Path clientCa) {
        this(certPath, keyPath, clientCa, DEFAULT_HANDSHAKE_TIMEOUT_MS);
    }

    public TlsConfig withHandshakeTimeoutMs(long handshakeTimeoutMs) {
        return Section.with(this, "handshakeTimeoutMs", handshakeTimeoutMs);
    }

    /** True when clients must present a certificate chaining to {@link #clientCa()}. */
    public boolean mutual() {
        return clientCa != null;
    }
}
