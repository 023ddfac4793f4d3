package dev.siphon.http.net;

import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.ServerConfig;
import java.nio.file.Path;

/**
 * Service-provider interface for TLS, found with {@link java.util.ServiceLoader}: termination
 * when a listener's configuration has {@code tls}, and the client side of https:// for the
 * outbound client (siphon-client). The engine does not depend on an
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

    /**
     * Reads an outbound client's CA bundle and identity and prepares its TLS side. Called once per
     * client when it is built, on the building thread.
     *
     * @param verify PEM CA bundle the server's certificate must chain to, or {@code null} for the
     *               JDK's system roots (its {@code cacerts})
     * @param cert   the client certificate chain for mutual TLS, or {@code null} for none; with
     *               {@code key} null it must also hold the private key (a combined PEM)
     * @param key    the private key of {@code cert} when it is a separate file, or {@code null}
     * @param name   the client's key path in http.yaml terms, like {@code clients.api}, for messages
     * @throws ConfigException naming the file and what is wrong with it
     */
    ClientTls client(Path verify, Path cert, Path key, String name) throws ConfigException;
}
