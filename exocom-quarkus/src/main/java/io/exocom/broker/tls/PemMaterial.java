package io.exocom.broker.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;

import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/**
 * Reads the broker's certificate, key and client CA from PEM files, as cert-manager writes them (a certificate
 * chain; a PKCS#8, PKCS#1 RSA or SEC1 EC key), and says in one sentence what is wrong with them. Vert.x parses
 * the PEM; this class only adds the checks a user needs before a handshake fails obscurely: that the files are
 * there, hold what they should, and that the key belongs to the certificate.
 */
public final class PemMaterial {
    private PemMaterial() {
    }

    /** A sentence saying what is wrong with a TLS file. */
    public static final class TlsFileException extends Exception {
        public TlsFileException(String message) {
            super(message);
        }
    }

    /** The broker's identity: its certificate chain and a key manager that presents it. */
    public record Identity(X509Certificate leaf, X509ExtendedKeyManager keyManager) {
    }

    public static Identity identity(Path certFile, Path keyFile) throws TlsFileException {
        byte[] certPem = read(certFile, "certificate");
        byte[] keyPem = read(keyFile, "private key");
        List<X509Certificate> chain = certificates(certPem, certFile);
        X509ExtendedKeyManager keyManager;
        try {
            PemKeyCertOptions options = new PemKeyCertOptions().setCertValue(Buffer.buffer(certPem))
                    .setKeyValue(Buffer.buffer(keyPem));
            keyManager = onlyKeyManager(options.getKeyManagerFactory(null).getKeyManagers());
        } catch (Exception e) {
            throw new TlsFileException(keyFile + " holds no private key ExoCom can read (PEM \"PRIVATE KEY\", "
                    + "\"RSA PRIVATE KEY\" or \"EC PRIVATE KEY\"): " + e.getMessage());
        }
        String[] aliases = keyManager.getServerAliases(chain.get(0).getPublicKey().getAlgorithm(), null);
        PrivateKey key = aliases == null || aliases.length == 0 ? null : keyManager.getPrivateKey(aliases[0]);
        if (key == null || !belongTogether(key, chain.get(0).getPublicKey())) {
            throw new TlsFileException(keyFile + " is not the private key of the certificate in " + certFile);
        }
        return new Identity(chain.get(0), keyManager);
    }

    /** Trust in the client certificates signed by the CAs of a PEM file (mutual TLS). */
    public static X509ExtendedTrustManager clientTrust(Path caFile) throws TlsFileException {
        byte[] pem = read(caFile, "CA certificate");
        List<X509Certificate> authorities = certificates(pem, caFile);
        try {
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < authorities.size(); i++) {
                store.setCertificateEntry("ca" + i, authorities.get(i));
            }
            javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            TrustManager[] managers = factory.getTrustManagers();
            for (TrustManager manager : managers) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
        } catch (Exception e) {
            throw new TlsFileException(caFile + " holds no CA certificate ExoCom can use: " + e.getMessage());
        }
        throw new TlsFileException(caFile + " holds no CA certificate ExoCom can use");
    }

    private static byte[] read(Path file, String what) throws TlsFileException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsFileException(file + " cannot be read as the " + what + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        }
    }

    private static List<X509Certificate> certificates(byte[] pem, Path file) throws TlsFileException {
        try {
            Collection<? extends Certificate> found = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem));
            if (!found.isEmpty()) {
                return found.stream().map(X509Certificate.class::cast).toList();
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            // reported below
        }
        throw new TlsFileException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }

    private static X509ExtendedKeyManager onlyKeyManager(KeyManager[] managers) {
        for (KeyManager manager : managers) {
            if (manager instanceof X509ExtendedKeyManager x509) {
                return x509;
            }
        }
        throw new IllegalStateException("no X.509 key manager");
    }

    /** Whether the key signs what the certificate's public key verifies. */
    private static boolean belongTogether(PrivateKey key, PublicKey certified) {
        String algorithm = switch (certified.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return true; // an algorithm this check does not know: the handshake will tell
        }
        try {
            byte[] probe = "exocom".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
