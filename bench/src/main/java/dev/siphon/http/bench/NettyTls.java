package dev.siphon.http.bench;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS for the Netty peers ({@link NettyHelloServer}, {@link NettyH2HelloServer}) in the HTTPS runs
 * of the end-to-end comparison: the JDK's own JSSE provider ({@link SslProvider#JDK}), with the
 * same policy as this engine's TLS listeners (tls/ {@code TlsContextFactory}): TLS 1.3 and 1.2
 * only, the same AEAD cipher suites in the same order, the server's order honoured.
 */
final class NettyTls {

    /** This engine's list, in its order (docs/protocol.md, "TLS"). */
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

    static final String H2 = "h2";
    static final String HTTP_1_1 = "http/1.1";

    private NettyTls() {}

    /**
     * A server context from a PEM chain (leaf first) and its PKCS#8 PEM key, offering the given
     * ALPN protocols in preference order (none: no ALPN extension in the answer).
     */
    static SslContext serverContext(Path cert, Path key, String... alpn) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(cert.toFile(), key.toFile())
                .sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3", "TLSv1.2")
                .ciphers(CIPHER_SUITES);
        if (alpn.length > 0) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    alpn));
        }
        return b.build();
    }

    /** A handler for one connection, with the server's cipher-suite order honoured as this engine does. */
    static SslHandler newHandler(SslContext context, ByteBufAllocator alloc) {
        SslHandler handler = context.newHandler(alloc);
        SSLEngine engine = handler.engine();
        SSLParameters p = engine.getSSLParameters();
        p.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(p);
        return handler;
    }

    /**
     * Parses {@code [HOST:]PORT [--tls-cert CERT.pem --tls-key KEY.pem]}: the listen address and,
     * when both files are given, the certificate chain and key (else nulls).
     */
    record Args(String listen, Path cert, Path key) {
        static Args parse(String[] args, String defaultListen, String usage) {
            String listen = defaultListen;
            Path cert = null;
            Path key = null;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--tls-cert" -> cert = Path.of(value(args, ++i, usage));
                    case "--tls-key" -> key = Path.of(value(args, ++i, usage));
                    default -> {
                        if (args[i].startsWith("-")) {
                            fail(usage);
                        }
                        listen = args[i];
                    }
                }
            }
            if ((cert == null) != (key == null)) {
                fail("--tls-cert and --tls-key go together\n" + usage);
            }
            return new Args(listen, cert, key);
        }

        boolean tls() {
            return cert != null;
        }

        private static String value(String[] args, int i, String usage) {
            if (i >= args.length) {
                fail("missing value for " + args[i - 1] + "\n" + usage);
            }
            return args[i];
        }

        private static void fail(String message) {
            System.err.println(message);
            System.exit(2);
        }
    }
}
