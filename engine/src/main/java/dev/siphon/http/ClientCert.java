package dev.siphon.http;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * The client certificate a mutual-TLS handshake verified against the listener's
 * {@code tls.client_ca} bundle. Immutable.
 *
 * @param subject the leaf's subject in RFC 2253 form, like "CN=alice,O=Example"
 * @param issuer  the leaf's issuer in RFC 2253 form
 * @param sans    the leaf's subject alternative names, each as "DNS:name", "IP:address",
 *                "email:address" or "URI:uri" (other kinds are left out); empty when it has none
 * @param chain   the chain the client sent, leaf first
 */
public record ClientCert(String subject, String issuer, List<String> sans, List<X509Certificate> chain) {

    public ClientCert {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(issuer, "issuer");
        sans = List.copyOf(sans);
        chain = List.copyOf(chain);
    }
}
