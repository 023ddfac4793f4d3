package dev.siphon.http.tls;

import java.security.AlgorithmParameterGenerator;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathValidator;
import java.security.cert.CertStore;
import java.security.cert.CertStoreParameters;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import javax.crypto.Cipher;
import javax.crypto.ExemptionMechanism;
import javax.crypto.KeyAgreement;
import javax.crypto.KeyGenerator;
import javax.crypto.Mac;
import javax.crypto.NoSuchPaddingException;
import javax.crypto.SecretKeyFactory;
import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.jcajce.util.JcaJceHelper;
import org.bouncycastle.jcajce.util.ProviderJcaJceHelper;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * The crypto under BouncyCastle's JSSE provider: the JDK's own providers first (AES-GCM with
 * AES-NI, ECDHE, ECDSA, RSA), and a private, unregistered BouncyCastle provider instance only for
 * what the JDK lacks under the names BCJSSE asks for.
 *
 * <p>Why: BCJSSE signs and verifies TLS 1.3 RSA-PSS (rsa_pss_rsae_*) through
 * "SHA256withRSAandMGF1" and friends, names the JDK does not have (it calls the algorithm
 * "RSASSA-PSS"). With JDK crypto alone an RSA server certificate gets no TLS 1.3 credentials
 * ("found no selectable cipher suite") and an RSA client certificate is never sent (the server
 * answers certificate_required). Everything the JDK has still runs in the JDK.
 */
final class JdkFirstCrypto extends JcaTlsCryptoProvider {
    private final JcaJceHelper helper = new JdkFirstHelper();

    @Override
    public JcaJceHelper getHelper() {
        return helper;
    }

    @Override
    public JcaTlsCrypto create(SecureRandom random) {
        return create(random, random);
    }

    @Override
    public JcaTlsCrypto create(SecureRandom keyRandom, SecureRandom nonceRandom) {
        return new Crypto(helper, keyRandom == null ? new SecureRandom() : keyRandom,
                nonceRandom == null ? new SecureRandom() : nonceRandom);
    }

    /** Only to reach JcaTlsCrypto's protected constructor. */
    private static final class Crypto extends JcaTlsCrypto {
        Crypto(JcaJceHelper helper, SecureRandom keyRandom, SecureRandom nonceRandom) {
            super(helper, keyRandom, nonceRandom);
        }
    }

    /** Asks the JDK's providers; on "no such algorithm" asks the private BouncyCastle instance. */
    static final class JdkFirstHelper implements JcaJceHelper {
        private static final Provider BC = new BouncyCastleProvider(); // never registered
        private final JcaJceHelper jdk = new DefaultJcaJceHelper();
        private final JcaJceHelper bc = new ProviderJcaJceHelper(BC);

        @FunctionalInterface
        private interface Lookup<T> {
            T get(JcaJceHelper h) throws GeneralSecurityException;
        }

        private <T> T first(Lookup<T> l) throws GeneralSecurityException {
            try {
                return l.get(jdk);
            } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
                return l.get(bc);
            }
        }

        @SuppressWarnings("unchecked")
        private static <E extends Exception> RuntimeException rethrow(Exception e) throws E {
            throw (E) e;
        }

        private <T> T get(Lookup<T> l) {
            try {
                return first(l);
            } catch (GeneralSecurityException e) {
                throw rethrow(e);
            }
        }

        @Override
        public Cipher createCipher(String a) throws NoSuchAlgorithmException, NoSuchPaddingException, NoSuchProviderException {
            return get(h -> h.createCipher(a));
        }

        @Override
        public Mac createMac(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createMac(a));
        }

        @Override
        public KeyAgreement createKeyAgreement(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createKeyAgreement(a));
        }

        @Override
        public AlgorithmParameterGenerator createAlgorithmParameterGenerator(String a)
                throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createAlgorithmParameterGenerator(a));
        }

        @Override
        public AlgorithmParameters createAlgorithmParameters(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createAlgorithmParameters(a));
        }

        @Override
        public KeyGenerator createKeyGenerator(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createKeyGenerator(a));
        }

        @Override
        public KeyFactory createKeyFactory(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createKeyFactory(a));
        }

        @Override
        public SecretKeyFactory createSecretKeyFactory(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createSecretKeyFactory(a));
        }

        @Override
        public KeyPairGenerator createKeyPairGenerator(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createKeyPairGenerator(a));
        }

        @Override
        @SuppressWarnings("deprecation")
        public MessageDigest createDigest(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createDigest(a));
        }

        @Override
        public MessageDigest createMessageDigest(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createMessageDigest(a));
        }

        @Override
        public Signature createSignature(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createSignature(a));
        }

        @Override
        public CertificateFactory createCertificateFactory(String a) throws NoSuchProviderException, CertificateException {
            return get(h -> h.createCertificateFactory(a));
        }

        @Override
        public SecureRandom createSecureRandom(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createSecureRandom(a));
        }

        @Override
        public CertPathBuilder createCertPathBuilder(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createCertPathBuilder(a));
        }

        @Override
        public CertPathValidator createCertPathValidator(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createCertPathValidator(a));
        }

        @Override
        public CertStore createCertStore(String a, CertStoreParameters p)
                throws NoSuchAlgorithmException, InvalidAlgorithmParameterException, NoSuchProviderException {
            return get(h -> h.createCertStore(a, p));
        }

        @Override
        public ExemptionMechanism createExemptionMechanism(String a) throws NoSuchAlgorithmException, NoSuchProviderException {
            return get(h -> h.createExemptionMechanism(a));
        }

        @Override
        public KeyStore createKeyStore(String a) throws KeyStoreException, NoSuchProviderException {
            return get(h -> h.createKeyStore(a));
        }
    }
}
