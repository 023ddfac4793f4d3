package dev.siphon.http.net;

import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ServerConfig;

/**
 * Service-provider interface for TLS termination, found with {@link java.util.ServiceLoader}
 * when a listener's configuration has {@code tls}. The engine does not depend on an
 * implementation: the {@code siphon-tls} jar registers one in
 * {@code META-INF/services/dev.siphon.http.net.TlsProvider}. Without it on the class path a TLS
 * listener stops start-up.
 */
public interface TlsProvider {

    /**
     * Reads the listener's certificate, key and client CA bundle and prepares its TLS context.
     * Called once per listener at start-up, on the starting thread.
     *
     * @param server the listener; {@code server.tls()} is not null
     * @param key    the listener's key path in http.yaml terms, like {@code servers[0].tls}, for messages
     * @throws ConfigException naming the file and what is wrong with it (missing, unreadable, not
     *                         PEM, encrypted key, key not matching the certificate)
     */
    TransportFactory listener(ServerConfig server, String key) throws ConfigException;
}
