package dev.siphon.http.tls;

import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.TlsConfig;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;

/**
 * Builds a listener's {@link SSLContext} and the {@link SSLParameters} every connection's engine
 * gets, with BouncyCastle's JSSE provider over the JDK's own crypto (the JSSE provider is passed
 * as an instance, never registered: the rest of the JVM keeps its providers and AES-NI).
 *
 * <p>Policy, fixed: TLS 1.3 and 1.2 only; AEAD cipher suites with forward secrecy only
 * ({@link #CIPHER_SUITES}); ALPN "h2" preferred, "http/1.1" otherwise; a client certificate
 * required when {@code client_ca} is set. Start-up thread only; the results are immutable in use.
 */
public final class TlsContextFactory {
    /** TLS 1.0 and 1.1 are deprecated by RFC 8996; SSL 3.0 by RFC 7568. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * TLS 1.3 suites (all AEAD; key exchange is always ephemeral), then TLS 1.2 ECDHE suites with
     * AES-GCM or ChaCha20-Poly1305 (RFC 7905). No CBC, no static RSA key exchange, no finite-field
     * DHE (parameter size is the client's gamble), no SHA-1 MACs.
     */
    static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** ALPN identifiers (RFC 7301 §6 registry), in server preference order. */
    static final String H2 = "h2";
    static final String HTTP_1_1 = "http/1.1";

    /**
     * For measurement only: {@code -Dsiphon.tls.jsse=jdk} uses the JDK's own JSSE provider
     * instead of BouncyCastle's, to compare their cost on this engine (bench/). Anything else, or
     * nothing, means BouncyCastle.
     */
    static final String JSSE_PROPERTY = "siphon.tls.jsse";

    private static final char[] STORE_PASSWORD = "siphon".toCharArray(); // in-memory stores only

    private final SSLContext context;
    private final String[] suites;
    private final boolean mutual;

    private TlsContextFactory(SSLContext context, String[] suites, boolean mutual) {
        this.context = context;
        this.suites = suites;
        this.mutual = mutual;
    }

    /**
     * Reads the listener's PEM files and builds its context.
     *
     * @param key the listener's TLS key path for messages, like {@code servers[0].tls}
     * @throws ConfigException naming the file and what is wrong with it
     */
    public static TlsContextFactory create(TlsConfig tls, String key) throws ConfigException {
        List<X509Certificate> chain = PemFiles.certificates(tls.certPath(), key + ".cert_path");
        PrivateKey privateKey = PemFiles.checkPair(chain.get(0), PemFiles.privateKey(tls.keyPath(), key + ".key_path"),
                tls.keyPath(), key + ".key_path", tls.certPath());
        List<X509Certificate> clientCas = tls.clientCa() == null ? null
                : PemFiles.certificates(tls.clientCa(), key + ".client_ca");
        try {
            Provider jsse = jsseProvider();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", privateKey, STORE_PASSWORD, chain.toArray(X509Certificate[]::new));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX", jsse);
            kmf.init(ks, STORE_PASSWORD);
            TrustManagerFactory tmf = null;
            if (clientCas != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                for (int i = 0; i < clientCas.size(); i++) {
                    trust.setCertificateEntry("ca" + i, clientCas.get(i));
                }
                tmf = TrustManagerFactory.getInstance("PKIX", jsse);
                tmf.init(trust);
            }
            SSLContext ctx = SSLContext.getInstance("TLS", jsse);
            // an explicit SecureRandom: BCJSSE's own default looks for BouncyCastle's "DEFAULT" one,
            // which exists only with the BouncyCastle crypto provider registered
            ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), new SecureRandom());
            return new TlsContextFactory(ctx, policySuites(ctx), clientCas != null);
        } catch (GeneralSecurityException | java.io.IOException e) {
            Path file = tls.keyPath();
            throw new ConfigException(file.toString(), -1, key + ".key_path",
                    "cannot build a TLS context from this key and " + tls.certPath() + ": " + e.getMessage(), e);
        }
    }

    /** {@link #CIPHER_SUITES} as far as {@code ctx}'s provider has them, in their order; the client uses them too. */
    static String[] policySuites(SSLContext ctx) {
        List<String> supported = Arrays.asList(ctx.getSupportedSSLParameters().getCipherSuites());
        List<String> suites = new ArrayList<>();
        for (String s : CIPHER_SUITES) {
            if (supported.contains(s)) {
                suites.add(s);
            }
        }
        if (suites.isEmpty()) {
            throw new IllegalStateException(ctx.getProvider().getName() + " supports none of " + CIPHER_SUITES);
        }
        return suites.toArray(String[]::new);
    }

    /**
     * BouncyCastle's JSSE logs every refused handshake and every close at INFO through
     * java.util.logging: on an Internet-facing listener that is a line per scanner. The engine
     * counts those events itself, so the logger is set to WARNING unless the operator gave it a
     * level (a logging.properties entry for {@code org.bouncycastle.jsse} wins). Held here: JUL
     * keeps loggers only weakly.
     */
    private static final java.util.logging.Logger BCJSSE_LOG = quietUnlessConfigured("org.bouncycastle.jsse");

    private static java.util.logging.Logger quietUnlessConfigured(String name) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
        if (l.getLevel() == null) {
            l.setLevel(java.util.logging.Level.WARNING);
        }
        return l;
    }

    static Provider jsseProvider() {
        String choice = System.getProperty(JSSE_PROPERTY, "bc").toLowerCase(Locale.ROOT);
        if (choice.equals("jdk")) {
            Provider p = java.security.Security.getProvider("SunJSSE");
            if (p != null) {
                return p;
            }
        }
        return new BouncyCastleJsseProvider(false, new JdkFirstCrypto()); // JDK crypto underneath; see JdkFirstCrypto
    }

    /** A server-side engine with this listener's policy; the handshake starts on first unwrap. */
    public SSLEngine newEngine(String peerHost, int peerPort) {
        return newEngine(peerHost, peerPort, null);
    }

    /**
     * As {@link #newEngine(String, int)}, reporting the SNI host name the client asks for to
     * {@code sni} (RFC 6066 §3). BCJSSE does not implement
     * {@code ExtendedSSLSession.getRequestedServerNames()} on an established session, so the
     * name is taken while the handshake matches it. Every name is accepted: one certificate
     * serves the listener, and a name it does not cover is the client's to reject.
     */
    public SSLEngine newEngine(String peerHost, int peerPort, java.util.function.Consumer<String> sni) {
        SSLEngine engine = context.createSSLEngine(peerHost, peerPort);
        engine.setUseClientMode(false);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(PROTOCOLS.clone());
        p.setCipherSuites(suites.clone());
        p.setUseCipherSuitesOrder(true); // ours: AES-GCM first (AES-NI), ChaCha20 for clients that prefer it
        p.setApplicationProtocols(new String[] {H2, HTTP_1_1});
        if (mutual) {
            p.setNeedClientAuth(true);
        }
        if (sni != null) {
            p.setSNIMatchers(List.of(new javax.net.ssl.SNIMatcher(javax.net.ssl.StandardConstants.SNI_HOST_NAME) {
                @Override
                public boolean matches(javax.net.ssl.SNIServerName name) {
                    sni.accept(name instanceof javax.net.ssl.SNIHostName h ? h.getAsciiName()
                            : new javax.net.ssl.SNIHostName(name.getEncoded()).getAsciiName());
                    return true;
                }
            }));
        }
        engine.setSSLParameters(p);
        engine.setHandshakeApplicationProtocolSelector(TlsContextFactory::selectApplicationProtocol);
        return engine;
    }

    /**
     * RFC 7301 §3.2: the server picks; "h2" when offered, else "http/1.1". A client that offers
     * ALPN but neither gets no_application_protocol (null); one that offers no ALPN gets none ("")
     * and speaks HTTP/1.1.
     */
    static String selectApplicationProtocol(SSLEngine engine, List<String> offered) {
        if (offered == null || offered.isEmpty()) {
            return "";
        }
        if (offered.contains(H2)) {
            return H2;
        }
        return offered.contains(HTTP_1_1) ? HTTP_1_1 : null;
    }

    /** The cipher suites this listener offers, in preference order. */
    public List<String> cipherSuites() {
        return List.of(suites);
    }

    public boolean mutual() {
        return mutual;
    }
}
