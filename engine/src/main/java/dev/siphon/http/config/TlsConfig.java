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
 */
public record TlsConfig(Path certPath, Path keyPath, Path clientCa) {

    public TlsConfig {
        Objects.requireNonNull(certPath, "certPath");
        Objects.requireNonNull(keyPath, "keyPath");
    }

    /** True when clients must present a certificate chaining to {@link #clientCa()}. */
    public boolean mutual() {
        return clientCa != null;
    }
}
