package dev.siphon.http.py;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigLoader;
import dev.siphon.http.config.HttpConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A script behind a mutual-TLS listener sees the verified client certificate as
 * {@code req.client_cert}, and the handshake as {@code req.tls} / {@code req.scheme}.
 * Certificates are made at test time with the openssl command line (ECDSA P-256).
 */
class MutualTlsScriptTest {
    @TempDir
    static Path pki;
    static PythonServer server;

    @BeforeAll
    static void start() throws Exception {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Script Test CA", "-days", "2");
        issue("server", "/CN=localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        issue("alice", "/CN=alice/O=Example", "subjectAltName=email:alice@example.com\nextendedKeyUsage=clientAuth\n");
        HttpConfig config = ConfigLoader.parse("""
                servers:
                  - listen: 127.0.0.1:0
                    tls:
                      cert_path: %s
                      key_path: %s
                      client_ca: %s
                engine:
                  workers: 1
                """.formatted(pki.resolve("server.pem"), pki.resolve("server.key"), pki.resolve("ca.pem")),
                "mtls.yaml", System::getenv);
        server = PythonServer.start(config, Scripts.path("tls_info.py"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void scriptSeesTheVerifiedClientCertificate() throws Exception {
        Curl.Result r = Curl.run("--cacert", pki.resolve("ca.pem").toString(),
                "--cert", pki.resolve("alice.pem").toString(), "--key", pki.resolve("alice.key").toString(),
                "https://127.0.0.1:" + server.port() + "/whoami");
        assertEquals(200, r.status());
        assertEquals("https TLSv1.3 h2 O=Example,CN=alice email:alice@example.com", r.body());
    }

    @Test
    void withoutAClientCertificateNothingReachesTheScript() {
        IOException e = assertThrows(IOException.class, () -> Curl.run("--cacert", pki.resolve("ca.pem").toString(),
                "https://127.0.0.1:" + server.port() + "/whoami"));
        assertTrue(e.getMessage().contains("curl"), e.getMessage());
    }

    private static void issue(String name, String subject, String extensions) throws Exception {
        Files.writeString(pki.resolve(name + ".ext"), extensions);
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(pki.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }
}
