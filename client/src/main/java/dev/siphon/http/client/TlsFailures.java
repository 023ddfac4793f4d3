package dev.siphon.http.client;

import java.io.EOFException;
import java.security.cert.CertificateException;
import java.util.Locale;

/**
 * Words for a failed TLS connection. The JSSE provider reports most failures as an alert name
 * ("certificate_required(116)") deep in a cause chain; this finds the part a person can act on.
 * Stateless.
 */
final class TlsFailures {
    private TlsFailures() {}

    /**
     * @param e         what the transport threw
     * @param afterHandshake true when the handshake had finished (an alert on an open connection)
     * @param hasIdentity    true when the client is configured with a certificate for mutual TLS
     */
    static String explain(Throwable e, boolean afterHandshake, boolean hasIdentity) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateException c && c.getMessage() != null) {
                return c.getMessage(); // ServerTrust's words: untrusted chain or name mismatch
            }
        }
        if (e instanceof EOFException) {
            return e.getMessage();
        }
        String all = messages(e);
        String lower = all.toLowerCase(Locale.ROOT);
        if (lower.contains("certificate_required")) { // RFC 8446 §6.2: TLS 1.3, a certificate was needed
            return hasIdentity
                    ? "the server requires a client certificate and got none it accepts (the configured cert was "
                            + "not sent or refused: is it issued by a CA the server trusts?): " + all
                    : "the server requires a client certificate and this client has none (set cert, and key unless "
                            + "cert is a combined PEM): " + all;
        }
        if (lower.contains("bad_certificate") || lower.contains("unknown_ca") || lower.contains("certificate_unknown")) {
            return "the server rejected the handshake over a certificate (its own, or the client's: with mutual "
                    + "TLS, is the client certificate issued by a CA the server trusts?): " + all;
        }
        if (lower.contains("no_application_protocol")) {
            return "the server speaks none of the offered ALPN protocols: " + all;
        }
        if (lower.contains("protocol_version") || lower.contains("handshake_failure")
                || lower.contains("insufficient_security")) {
            return "the server shares no protocol version or cipher suite with this client (TLS 1.3 or 1.2 with "
                    + "AEAD suites only), or refused the handshake: " + all;
        }
        if (!afterHandshake && (lower.contains("unexpected_message") || lower.contains("decode_error")
                || lower.contains("record_overflow") || lower.contains("not a tls") || lower.contains("illegal"))) {
            return "the server's reply is not a TLS handshake (is it a plain http:// server?): " + all;
        }
        return all;
    }

    private static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 400; t = t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (b.indexOf(m) < 0) {
                if (!b.isEmpty()) {
                    b.append(": ");
                }
                b.append(m);
            }
        }
        return b.toString();
    }
}
