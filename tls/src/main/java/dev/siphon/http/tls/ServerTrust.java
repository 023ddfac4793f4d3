package dev.siphon.http.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The outbound client's check of a server certificate: the JSSE provider's PKIX trust manager
 * does all of it (chain, validity, key usage, and the host name through the engine's endpoint
 * identification); this only turns its failure into a message a person can act on, telling an
 * untrusted chain ("does not chain to the CA bundle ...") from a name mismatch ("is not valid for
 * 127.0.0.2: it names DNS:localhost, IP:127.0.0.1"). Loop threads (inside the handshake).
 */
final class ServerTrust extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager pkix;
    private final String source;

    ServerTrust(X509ExtendedTrustManager pkix, String source) {
        this.pkix = pkix;
        this.source = source;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        try {
            pkix.checkServerTrusted(chain, authType, engine);
        } catch (CertificateException e) {
            throw explain(chain, authType, engine == null ? null : engine.getPeerHost(), e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        try {
            pkix.checkServerTrusted(chain, authType, socket);
        } catch (CertificateException e) {
            throw explain(chain, authType, socket == null ? null : String.valueOf(socket.getInetAddress()), e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType); // no host to check: not used by our engines
    }

    /** Runs only on failure: the chain alone (without the host check) tells which part failed. */
    private CertificateException explain(X509Certificate[] chain, String authType, String host,
                                         CertificateException e) {
        if (chain == null || chain.length == 0) {
            return new CertificateException("the server sent no certificate", e);
        }
        X509Certificate leaf = chain[0];
        boolean chainTrusted;
        try {
            pkix.checkServerTrusted(chain, authType);
            chainTrusted = true;
        } catch (CertificateException again) {
            chainTrusted = false;
        }
        if (chainTrusted) {
            return new CertificateException("the server's certificate is not valid for " + host + ": it names "
                    + names(leaf), e);
        }
        return new CertificateException("the server's certificate (subject " + leaf.getSubjectX500Principal().getName()
                + ", issuer " + leaf.getIssuerX500Principal().getName() + ") is not trusted: it does not chain to "
                + source + " (" + e.getMessage() + ")", e);
    }

    private static String names(X509Certificate leaf) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> n : sans) {
                    Integer type = (Integer) n.get(0);
                    if (type == 2) {
                        names.add("DNS:" + n.get(1));
                    } else if (type == 7) {
                        names.add("IP:" + n.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return "an unreadable subjectAltName";
        }
        return names.isEmpty() ? "no DNS or IP subjectAltName (subject " + leaf.getSubjectX500Principal().getName()
                + ")" : String.join(", ", names);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a client does not verify clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("a client does not verify clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client does not verify clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
