package dev.siphon.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.HttpEngine;
import dev.siphon.http.internal.Counters.Limit;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS ({@code client_ca} set): RSA and EC client certificates chaining to the bundle are
 * accepted on TLS 1.3 and 1.2 and exposed to handlers; no certificate, or one from another CA,
 * fails the handshake before any request reaches a handler.
 */
class MutualTlsTest {
    @RegisterExtension
    final TlsFixture fx = new TlsFixture();

    @TempDir
    Path tmp;

    private final TestPki pki;

    MutualTlsTest() throws Exception {
        pki = TestPki.get();
    }

    private Cmd.Result curl(HttpEngine e, String version, String who) throws Exception {
        var args = new java.util.ArrayList<>(java.util.List.of(version, "--cacert", pki.file("ca.pem").toString()));
        if (who != null) {
            args.addAll(java.util.List.of("--cert", pki.file(who + ".pem").toString(), "--key", pki.file(who + ".key").toString()));
        }
        args.add("https://localhost:" + e.port() + "/tls");
        return Cmd.curl(tmp, args.toArray(String[]::new));
    }

    @Test
    void acceptsRsaAndEcClientCertificatesOnTls13And12() throws Exception {
        HttpEngine e = fx.start(TlsFixture.mtls(pki));
        for (String v : new String[] {"--tlsv1.3", "--tls-max"}) {
            String[] version = v.equals("--tls-max") ? new String[] {"--tls-max", "1.2"} : new String[] {v};
            for (String who : new String[] {"alice", "bob"}) {
                var args = new java.util.ArrayList<>(java.util.List.of(version));
                args.addAll(java.util.List.of("--cacert", pki.file("ca.pem").toString(), "--cert",
                        pki.file(who + ".pem").toString(), "--key", pki.file(who + ".key").toString(),
                        "https://localhost:" + e.port() + "/tls"));
                Cmd.Result r = Cmd.curl(tmp, args.toArray(String[]::new));
                assertEquals(0, r.exit(), r::toString);
                TestPki.Identity id = who.equals("alice") ? pki.clientRsa : pki.clientEc;
                String expected = "client=" + id.cert().getSubjectX500Principal().getName() + " [DNS:" + who + ".example]";
                assertTrue(r.out().contains(expected), r.out());
                assertTrue(r.out().contains(v.equals("--tlsv1.3") ? "protocol=TLSv1.3" : "protocol=TLSv1.2"), r.out());
            }
        }
    }

    @Test
    void refusesAClientWithoutACertificate() throws Exception {
        HttpEngine e = fx.start(TlsFixture.mtls(pki));
        long before = e.counters().requests();
        for (String v : new String[] {"--tlsv1.3", "--tlsv1.2"}) {
            Cmd.Result r = curl(e, v, null);
            assertNotEquals(0, r.exit(), r::toString);
            assertTrue(!r.out().contains("scheme="), r::toString);
        }
        assertEquals(before, e.counters().requests()); // nothing reached a handler
        assertTrue(e.counters().count(Limit.TLS_HANDSHAKE) >= 1);
    }

    @Test
    void refusesAClientCertificateFromAnotherCa() throws Exception {
        HttpEngine e = fx.start(TlsFixture.mtls(pki));
        long before = e.counters().requests();
        for (String v : new String[] {"--tlsv1.3", "--tlsv1.2"}) {
            Cmd.Result r = curl(e, v, "mallory");
            assertNotEquals(0, r.exit(), r::toString);
            assertTrue(!r.out().contains("scheme="), r::toString);
        }
        assertEquals(before, e.counters().requests());
        assertEquals(0, curl(e, "--tlsv1.3", "alice").exit()); // the listener keeps serving
    }

    @Test
    void jdkHttpClientWithRsaAndEcCertificatesOverTls13() throws Exception {
        HttpEngine e = fx.start(TlsFixture.mtls(pki));
        SSLParameters p = new SSLParameters();
        p.setProtocols(new String[] {"TLSv1.3"});
        for (TestPki.Identity id : new TestPki.Identity[] {pki.clientRsa, pki.clientEc}) {
            try (HttpClient client = HttpClient.newBuilder().sslContext(pki.clientContext(id)).sslParameters(p).build()) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                        URI.create("https://localhost:" + e.port() + "/tls")).build(), HttpResponse.BodyHandlers.ofString());
                assertTrue(r.body().contains("client=" + id.cert().getSubjectX500Principal().getName()), r.body());
            }
        }
        try (HttpClient anonymous = HttpClient.newBuilder().sslContext(pki.clientContext(null)).sslParameters(p).build()) {
            assertThrows(IOException.class, () -> anonymous.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + e.port() + "/tls")).build(), HttpResponse.BodyHandlers.ofString()));
        }
    }
}
