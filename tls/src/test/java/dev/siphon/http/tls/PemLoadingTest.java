package dev.siphon.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.siphon.http.config.ConfigException;
import dev.siphon.http.config.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import org.junit.jupiter.api.Test;

/** PEM certificate chains and keys in every form a listener accepts, and the errors for the rest. */
class PemLoadingTest {
    private final TestPki pki;

    PemLoadingTest() throws Exception {
        pki = TestPki.get();
    }

    @Test
    void readsACertificateChainLeafFirst() throws Exception {
        var chain = PemFiles.certificates(pki.file("server.pem"), "servers[0].tls.cert_path");
        assertEquals(2, chain.size());
        assertEquals(pki.server.cert(), chain.get(0));
        assertEquals(pki.ca.cert(), chain.get(1));
    }

    @Test
    void readsRsaKeysInPkcs8AndPkcs1() throws Exception {
        KeyPair rsa = pki.clientRsa.keys();
        Path pkcs8 = pki.writePkcs8("rsa-pkcs8.key", rsa.getPrivate());
        Path pkcs1 = pki.writeTraditional("rsa-pkcs1.key", rsa);
        assertTrue(Files.readString(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        for (Path p : new Path[] {pkcs8, pkcs1}) {
            PrivateKey k = PemFiles.privateKey(p, "k");
            assertEquals("RSA", k.getAlgorithm());
            PemFiles.checkPair(pki.clientRsa.cert(), k, p, "k", pki.file("alice.pem"));
        }
    }

    @Test
    void readsEcKeysInPkcs8AndSec1() throws Exception {
        KeyPair ec = pki.clientEc.keys();
        Path pkcs8 = pki.writePkcs8("ec-pkcs8.key", ec.getPrivate());
        Path sec1 = pki.openssl("ec-sec1.key", pkcs8, "ec");
        assertTrue(Files.readString(sec1).startsWith("-----BEGIN EC PRIVATE KEY-----"));
        // `openssl ecparam -genkey` writes an EC PARAMETERS block ahead of the key
        Path withParams = Files.writeString(pki.file("ec-params.key"),
                "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + Files.readString(sec1));
        for (Path p : new Path[] {pkcs8, sec1, withParams}) {
            PrivateKey k = PemFiles.privateKey(p, "k");
            assertEquals("EC", k.getAlgorithm());
            PemFiles.checkPair(pki.clientEc.cert(), k, p, "k", pki.file("bob.pem"));
        }
    }

    @Test
    void encryptedKeyIsAClearError() throws Exception {
        Path enc = pki.openssl("encrypted.key", pki.file("server.key"), "pkcs8", "-topk8", "-v2", "aes-256-cbc",
                "-passout", "pass:secret");
        assertTrue(Files.readString(enc).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        Path legacy = pki.openssl("encrypted-legacy.key", pki.file("server.key"), "rsa", "-traditional", "-aes256",
                "-passout", "pass:secret");
        assertTrue(Files.readString(legacy).contains("Proc-Type: 4,ENCRYPTED"));
        ConfigException legacyError = assertThrows(ConfigException.class, () -> PemFiles.privateKey(legacy, "k"));
        assertTrue(legacyError.getMessage().startsWith(legacy + ": k: the private key is encrypted"),
                legacyError.getMessage());
        ConfigException e = assertThrows(ConfigException.class,
                () -> TlsContextFactory.create(new TlsConfig(pki.file("server.pem"), enc, null), "servers[0].tls"));
        assertEquals(enc.toString(), e.file());
        assertEquals("servers[0].tls.key_path", e.key());
        assertTrue(e.getMessage().startsWith(enc + ": servers[0].tls.key_path: the private key is encrypted"), e.getMessage());
    }

    @Test
    void missingFilesAreNamed() {
        Path nowhere = pki.file("nowhere.pem");
        ConfigException e = assertThrows(ConfigException.class,
                () -> TlsContextFactory.create(new TlsConfig(nowhere, pki.file("server.key"), null), "servers[0].tls"));
        assertEquals(nowhere + ": servers[0].tls.cert_path: no such file", e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> TlsContextFactory.create(new TlsConfig(pki.file("server.pem"), nowhere, null), "servers[0].tls"));
        assertEquals(nowhere + ": servers[0].tls.key_path: no such file", e.getMessage());
        e = assertThrows(ConfigException.class, () -> TlsContextFactory.create(
                new TlsConfig(pki.file("server.pem"), pki.file("server.key"), nowhere), "servers[0].tls"));
        assertEquals(nowhere + ": servers[0].tls.client_ca: no such file", e.getMessage());
    }

    @Test
    void aFileWithoutCertificatesOrKeyIsAnError() throws Exception {
        Path junk = Files.writeString(pki.file("junk.pem"), "hello, not a PEM file\n");
        ConfigException e = assertThrows(ConfigException.class, () -> PemFiles.certificates(junk, "c"));
        assertTrue(e.getMessage().startsWith(junk + ": c: expected a PEM certificate"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> PemFiles.privateKey(pki.file("server.pem"), "k"));
        assertTrue(e.getMessage().contains("expected a PEM private key"), e.getMessage());
        Path broken = Files.writeString(pki.file("broken.pem"),
                "-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n");
        e = assertThrows(ConfigException.class, () -> PemFiles.certificates(broken, "c"));
        assertTrue(e.getMessage().startsWith(broken + ": c: "), e.getMessage());
    }

    @Test
    void mismatchedKeyAndCertificateIsAnError() {
        ConfigException e = assertThrows(ConfigException.class, () -> TlsContextFactory.create(
                new TlsConfig(pki.file("server.pem"), pki.file("alice.key"), null), "servers[0].tls"));
        assertEquals(pki.file("alice.key").toString(), e.file());
        assertTrue(e.detail().startsWith("the private key does not match the certificate in " + pki.file("server.pem")),
                e.getMessage());
        e = assertThrows(ConfigException.class, () -> TlsContextFactory.create(
                new TlsConfig(pki.file("server.pem"), pki.file("bob.key"), null), "servers[0].tls"));
        assertTrue(e.detail().contains("the key is EC, the certificate's is RSA"), e.getMessage());
    }

    @Test
    void offersOnlyAeadForwardSecretSuitesOnTls13And12() throws Exception {
        TlsContextFactory f = TlsContextFactory.create(TlsFixture.tls(pki), "servers[0].tls");
        assertEquals(TlsContextFactory.CIPHER_SUITES, f.cipherSuites());
        var engine = f.newEngine("127.0.0.1", 1);
        assertEquals(java.util.List.of("TLSv1.3", "TLSv1.2"), java.util.List.of(engine.getEnabledProtocols()));
        assertEquals(TlsContextFactory.CIPHER_SUITES, java.util.List.of(engine.getEnabledCipherSuites()));
    }
}
