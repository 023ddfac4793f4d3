package dev.siphon.http;

import java.util.Objects;

/**
 * What the TLS handshake of a request's connection settled, as seen by handlers through
 * {@link Request#tls()}. {@code null} there on cleartext listeners. Immutable.
 *
 * @param protocol            "TLSv1.3" or "TLSv1.2"
 * @param cipherSuite         the negotiated suite, like "TLS_AES_128_GCM_SHA256"
 * @param applicationProtocol the ALPN result ("h2" or "http/1.1"), or {@code null} when the client
 *                            offered no ALPN (the connection then speaks HTTP/1.1)
 * @param serverName          the host name the client asked for with SNI (RFC 6066 §3), or
 *                            {@code null} when it sent none (clients connecting to an IP address)
 * @param clientCert          the verified client certificate on a mutual-TLS listener
 *                            ({@code tls.client_ca} set), else {@code null}
 */
public record TlsInfo(String protocol, String cipherSuite, String applicationProtocol, String serverName,
                      ClientCert clientCert) {

    public TlsInfo {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(cipherSuite, "cipherSuite");
    }
}
