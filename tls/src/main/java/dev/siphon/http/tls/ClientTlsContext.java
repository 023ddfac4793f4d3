package dev.siphon.http.tls;

import dev.siphon.http.config.ConfigException;
import dev.siphon.http.net.BufferPool;
import dev.siphon.http.net.ClientTls;
import dev.siphon.http.net.Transport;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client side of TLS for one outbound client ({@code clients.<name>}): BouncyCastle's JSSE
 * provider over the JDK's crypto, as on the listener side, with the same policy (TLS 1.3 and
 * 1.2, {@link TlsContextFactory#CIPHER_SUITES}).
 *
 * <p>Trust: the JDK's system roots ({@code cacerts}) by default, or only the certificates of the
 * {@code verify} PEM bundle. Every server certificate is checked for the host the client
 * connects to (endpoint identification "HTTPS", RFC 9110 §4.3.4 and RFC 6125: DNS names against
 * dNSName entries, IP literals against iPAddress entries); a DNS name is sent as SNI (RFC 6066
 * §3), an IP literal is not (§3 forbids it). Identity: the {@code cert} chain with the key from
 * {@code key}, or from {@code cert} itself when it is a combined PEM.
 *
 * <p>Made on the thread that builds the client; immutable after. {@link #open} runs on loop
 * threads.
 */
final class ClientTlsContext implements ClientTls {
    private static final char[] STORE_PASSWORD = "siphon".toCharArray(); // in-memory stores only
    /** The client enforces its own connect timeout over TCP and the handshake together. */
    private static final long NO_HANDSHAKE_DEADLINE = Long.MAX_VALUE / 4;

    private static volatile ClientTlsContext systemDefault;

    private final SSLContext context;
    private final String[] suites;

    private ClientTlsContext(SSLContext context) {
        this.context = context;
        this.suites = TlsContextFactory.policySuites(context);
    }

    /**
     * @param name the client's key path for messages, like {@code clients.api}
     * @throws ConfigException naming the PEM file and what is wrong with it
     */
    static ClientTlsContext create(Path verify, Path cert, Path key, String name) throws ConfigException {
        if (key != null && cert == null) {
            throw new ConfigException(key.toString(), -1, name + ".key", "a key without cert: set cert too");
        }
        if (verify == null && cert == null) {
            ClientTlsContext d = systemDefault; // cacerts is read once per JVM, not once per client
            if (d == null) {
                synchronized (ClientTlsContext.class) {
                    d = systemDefault;
                    if (d == null) {
                        systemDefault = d = build(null, null, null, name);
                    }
                }
            }
            return d;
        }
        return build(verify, cert, key, name);
    }

    private static ClientTlsContext build(Path verify, Path cert, Path key, String name) throws ConfigException {
        List<X509Certificate> anchors = verify == null ? null : PemFiles.certificates(verify, name + ".verify");
        List<X509Certificate> chain = null;
        PrivateKey privateKey = null;
        if (cert != null) {
            chain = PemFiles.certificates(cert, name + ".cert");
            Path keyFile = key != null ? key : cert; // alone, cert is a combined PEM (chain and key)
            String keyName = key != null ? name + ".key" : name + ".cert";
            privateKey = PemFiles.checkPair(chain.get(0), PemFiles.privateKey(keyFile, keyName), keyFile, keyName, cert);
        }
        Provider jsse = TlsContextFactory.jsseProvider();
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX", jsse);
            if (anchors == null) {
                tmf.init((KeyStore) null); // the JDK's cacerts (or javax.net.ssl.trustStore)
            } else {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                for (int i = 0; i < anchors.size(); i++) {
                    trust.setCertificateEntry("ca" + i, anchors.get(i));
                }
                tmf.init(trust);
            }
            String source = verify == null ? "the system roots (the JDK's cacerts)" : "the CA bundle " + verify
                    + " (" + name + ".verify)";
            TrustManager[] tms = {new ServerTrust(pkix(tmf.getTrustManagers()), source)};
            KeyManager[] kms = null;
            if (chain != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("client", privateKey, STORE_PASSWORD, chain.toArray(X509Certificate[]::new));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX", jsse);
                kmf.init(ks, STORE_PASSWORD);
                kms = kmf.getKeyManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS", jsse);
            ctx.init(kms, tms, new SecureRandom()); // explicit: see TlsContextFactory
            return new ClientTlsContext(ctx);
        } catch (GeneralSecurityException | IOException e) {
            Path file = verify != null ? verify : cert != null ? cert : Path.of("cacerts");
            throw new ConfigException(file.toString(), -1, name,
                    "cannot build the client's TLS context: " + e.getMessage(), e);
        }
    }

    private static X509ExtendedTrustManager pkix(TrustManager[] tms) {
        for (TrustManager tm : tms) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new IllegalStateException("the JSSE provider made no X509ExtendedTrustManager");
    }

    @Override
    public Transport open(SocketChannel channel, BufferPool pool, String host, int port, List<String> alpn)
            throws IOException {
        return new TlsTransport(sni -> newEngine(host, port, alpn), channel, pool, NO_HANDSHAKE_DEADLINE, false);
    }

    SSLEngine newEngine(String host, int port, List<String> alpn) {
        SSLEngine engine = context.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(TlsContextFactory.PROTOCOLS.clone());
        p.setCipherSuites(suites.clone());
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name `host`
        if (!isIpLiteral(host)) {
            try {
                p.setServerNames(List.of(new SNIHostName(host)));
            } catch (IllegalArgumentException e) {
                // not a name SNI can carry (RFC 6066 §3); the certificate check still applies
            }
        } else {
            p.setServerNames(List.of()); // RFC 6066 §3: literal IPv4 and IPv6 addresses are not permitted
        }
        p.setApplicationProtocols(alpn.toArray(String[]::new));
        engine.setSSLParameters(p);
        return engine;
    }

    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true; // IPv6 (a DNS name has no colon)
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return false;
            }
        }
        return !host.isEmpty();
    }
}
