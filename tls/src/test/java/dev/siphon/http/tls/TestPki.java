package dev.siphon.http.tls;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates issued at test time with BouncyCastle (JDK crypto underneath, no provider
 * registered): a CA, a server certificate for localhost and 127.0.0.1, RSA and EC client
 * certificates, and an unrelated second CA with its own client. PEM files go to a directory.
 * Public, and published in this module's test jar, for the client module's HTTPS tests.
 */
public final class TestPki {
    public record Identity(KeyPair keys, X509Certificate cert) {}

    public final Path dir;
    public final Identity ca;
    public final Identity server;
    public final Identity clientRsa;
    public final Identity clientEc;
    public final Identity otherCa;
    public final Identity otherClient;

    private static TestPki shared;

    /** One PKI per test JVM: RSA key generation is slow. */
    public static synchronized TestPki get() throws Exception {
        if (shared == null) {
            Path dir = Files.createTempDirectory("siphon-pki");
            dir.toFile().deleteOnExit();
            shared = new TestPki(dir);
        }
        return shared;
    }

    private TestPki(Path dir) throws Exception {
        this.dir = dir;
        ca = selfSigned("CN=siphon test CA", rsa());
        server = issue(ca, "CN=localhost", rsa(), false, "localhost", "127.0.0.1");
        clientRsa = issue(ca, "CN=alice,O=siphon tests", rsa(), true, "alice.example");
        clientEc = issue(ca, "CN=bob,O=siphon tests", ec(), true, "bob.example");
        otherCa = selfSigned("CN=unrelated CA", ec());
        otherClient = issue(otherCa, "CN=mallory", ec(), true, "mallory.example");
        writeCert("ca.pem", ca.cert);
        writeCert("other-ca.pem", otherCa.cert);
        writeCert("server.pem", server.cert, ca.cert);
        writePkcs8("server.key", server.keys.getPrivate());
        writeCert("alice.pem", clientRsa.cert, ca.cert);
        writePkcs8("alice.key", clientRsa.keys.getPrivate());
        writeCert("bob.pem", clientEc.cert, ca.cert);
        writePkcs8("bob.key", clientEc.keys.getPrivate());
        writeCert("mallory.pem", otherClient.cert);
        writePkcs8("mallory.key", otherClient.keys.getPrivate());
    }

    public Path file(String name) {
        return dir.resolve(name);
    }

    public static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    public static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static String sigAlg(KeyPair signer) {
        return signer.getPrivate().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    }

    public static Identity selfSigned(String dn, KeyPair keys) throws Exception {
        X500Name name = new X500Name(dn);
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(2))), name, keys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder(sigAlg(keys)).build(keys.getPrivate())));
        return new Identity(keys, cert);
    }

    public static Identity issue(Identity issuer, String dn, KeyPair keys, boolean client, String... sans) throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer.cert, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), new X500Name(dn),
                keys.getPublic());
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(client ? KeyPurposeId.id_kp_clientAuth : KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer.cert));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
        GeneralName[] names = new GeneralName[sans.length];
        for (int i = 0; i < sans.length; i++) {
            names[i] = Character.isDigit(sans[i].charAt(0)) ? new GeneralName(GeneralName.iPAddress, sans[i])
                    : new GeneralName(GeneralName.dNSName, sans[i]);
        }
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder(sigAlg(issuer.keys)).build(issuer.keys.getPrivate())));
        return new Identity(keys, cert);
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom());
    }

    public Path writeCert(String name, X509Certificate... certs) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            for (X509Certificate c : certs) {
                p.writeObject(c);
            }
        }
        return Files.writeString(dir.resolve(name), w.toString());
    }

    /** "-----BEGIN PRIVATE KEY-----" (PKCS#8). */
    public Path writePkcs8(String name, PrivateKey key) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(new JcaPKCS8Generator(key, null));
        }
        return Files.writeString(dir.resolve(name), w.toString());
    }

    /** OpenSSL's traditional form: "RSA PRIVATE KEY" (PKCS#1) or "EC PRIVATE KEY" (SEC1). */
    public Path writeTraditional(String name, KeyPair keys) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(keys);
        }
        return Files.writeString(dir.resolve(name), w.toString());
    }

    /** Converts a PEM key with the openssl command line: how users' keys are made. */
    public Path openssl(String name, Path from, String... args) throws Exception {
        Path to = dir.resolve(name);
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("/usr/bin/openssl"));
        cmd.addAll(java.util.List.of(args));
        cmd.addAll(java.util.List.of("-in", from.toString(), "-out", to.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(cmd + " failed: " + out);
        }
        return to;
    }

    /** An SSLContext (JDK provider) trusting the test CA, optionally presenting a client identity. */
    public SSLContext clientContext(Identity client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("me", client.keys.getPrivate(), "pw".toCharArray(), new X509Certificate[] {client.cert});
            kmf = KeyManagerFactory.getInstance("PKIX");
            kmf.init(ks, "pw".toCharArray());
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }
}
