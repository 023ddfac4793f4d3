package dev.siphon.http.tls;

import dev.siphon.http.config.ConfigException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads the PEM files a TLS listener names: certificate chains and private keys (RSA or EC, as
 * PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY"). Every failure is a
 * {@link ConfigException} whose file is the PEM file and whose key is the http.yaml key that named
 * it. Keys are converted with the JDK's own key factories: no provider is registered.
 * Start-up thread only.
 */
final class PemFiles {
    private static final JcaPEMKeyConverter KEYS = new JcaPEMKeyConverter();

    private PemFiles() {}

    /** Every certificate in {@code file}, in order (leaf first for a chain); at least one. */
    static List<X509Certificate> certificates(Path file, String key) throws ConfigException {
        List<X509Certificate> certs = new ArrayList<>();
        CertificateFactory cf;
        try {
            cf = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("the JDK has no X.509 certificate factory", e);
        }
        for (Object o : objects(file, key)) {
            if (o instanceof X509CertificateHolder h) {
                try {
                    certs.add((X509Certificate) cf.generateCertificate(
                            new java.io.ByteArrayInputStream(h.getEncoded())));
                } catch (CertificateException | IOException e) {
                    throw new ConfigException(file.toString(), -1, key,
                            "certificate " + (certs.size() + 1) + " cannot be decoded: " + e.getMessage(), e);
                }
            }
        }
        if (certs.isEmpty()) {
            throw new ConfigException(file.toString(), -1, key,
                    "expected a PEM certificate (-----BEGIN CERTIFICATE-----), found none");
        }
        return certs;
    }

    /** The one private key in {@code file}; an encrypted key is refused with a clear message. */
    static PrivateKey privateKey(Path file, String key) throws ConfigException {
        PrivateKey found = null;
        for (Object o : objects(file, key)) {
            PrivateKeyInfo info;
            if (o instanceof PrivateKeyInfo p) {
                info = p; // PKCS#8
            } else if (o instanceof PEMKeyPair pair) {
                info = pair.getPrivateKeyInfo(); // PKCS#1 (RSA) or SEC1 (EC)
            } else if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                throw new ConfigException(file.toString(), -1, key, "the private key is encrypted; siphon-http needs an"
                        + " unencrypted PEM key (decrypt it with `openssl pkey -in " + file.getFileName()
                        + " -out plain.key`) and file permissions to protect it");
            } else if (o instanceof ASN1ObjectIdentifier || o instanceof X509CertificateHolder) {
                continue; // "EC PARAMETERS" ahead of a SEC1 key; a certificate bundled with its key
            } else {
                continue;
            }
            if (found != null) {
                throw new ConfigException(file.toString(), -1, key, "expected one private key, found several");
            }
            try {
                found = KEYS.getPrivateKey(info);
            } catch (IOException e) {
                throw new ConfigException(file.toString(), -1, key,
                        "the private key cannot be read (" + info.getPrivateKeyAlgorithm().getAlgorithm()
                                + "): " + e.getMessage(), e);
            }
        }
        if (found == null) {
            throw new ConfigException(file.toString(), -1, key, "expected a PEM private key (PRIVATE KEY, "
                    + "RSA PRIVATE KEY or EC PRIVATE KEY), found none");
        }
        return found;
    }

    /**
     * Fails unless {@code privateKey} belongs to the leaf's public key: signs a random challenge
     * and verifies it with the certificate.
     *
     * @return the key as a JDK key of the certificate's algorithm: BouncyCastle's converter names
     *     an EC key "ECDSA" (an openssl-made PKCS#8 EC key, for one) where the JDK says "EC"
     */
    static PrivateKey checkPair(X509Certificate leaf, PrivateKey loaded, Path keyFile, String key, Path certFile)
            throws ConfigException {
        PublicKey pub = leaf.getPublicKey();
        PrivateKey privateKey = loaded;
        if (!pub.getAlgorithm().equals(loaded.getAlgorithm()) && "PKCS#8".equals(loaded.getFormat())) {
            try {
                privateKey = java.security.KeyFactory.getInstance(pub.getAlgorithm())
                        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(loaded.getEncoded()));
            } catch (java.security.GeneralSecurityException e) {
                privateKey = loaded; // not a key of the certificate's kind: reported just below
            }
        }
        String mismatch = "the private key does not match the certificate in " + certFile + " (subject "
                + leaf.getSubjectX500Principal().getName() + ")";
        if (!pub.getAlgorithm().equals(privateKey.getAlgorithm())) {
            throw new ConfigException(keyFile.toString(), -1, key, mismatch + ": the key is "
                    + privateKey.getAlgorithm() + ", the certificate's is " + pub.getAlgorithm());
        }
        String alg = switch (pub.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448" -> pub.getAlgorithm();
            default -> null;
        };
        if (alg == null) {
            throw new ConfigException(keyFile.toString(), -1, key,
                    "keys of type " + pub.getAlgorithm() + " are not supported; use RSA or EC");
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature s = Signature.getInstance(alg);
            s.initSign(privateKey);
            s.update(challenge);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(challenge);
            if (!v.verify(sig)) {
                throw new ConfigException(keyFile.toString(), -1, key, mismatch);
            }
            return privateKey;
        } catch (GeneralSecurityException e) {
            throw new ConfigException(keyFile.toString(), -1, key, mismatch + ": " + e.getMessage(), e);
        }
    }

    private static List<Object> objects(Path file, String key) throws ConfigException {
        if (Files.isDirectory(file)) {
            throw new ConfigException(file.toString(), -1, key, "is a directory, expected a PEM file");
        }
        List<Object> out = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            Object o;
            while ((o = p.readObject()) != null) {
                out.add(o);
            }
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), -1, key, "no such file");
        } catch (AccessDeniedException e) {
            throw new ConfigException(file.toString(), -1, key, "cannot be read: permission denied");
        } catch (IOException | RuntimeException e) {
            // PEMParser reports malformed base64 and DER as IOException or unchecked exceptions
            String what = e instanceof java.nio.charset.MalformedInputException ? "not a text PEM file" : e.getMessage();
            throw new ConfigException(file.toString(), -1, key, "not a readable PEM file: " + what, e);
        }
        return out;
    }
}
