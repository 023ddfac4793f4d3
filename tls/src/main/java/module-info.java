/** TLS for the engine and the client, on BouncyCastle's JSSE provider; found by them as a {@code TlsProvider} service. */
module dev.siphon.http.tls {
    requires dev.siphon.http;
    requires java.logging;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires org.bouncycastle.tls;
    requires org.bouncycastle.util;

    provides dev.siphon.http.net.TlsProvider with dev.siphon.http.tls.BouncyCastleTlsProvider;
}
