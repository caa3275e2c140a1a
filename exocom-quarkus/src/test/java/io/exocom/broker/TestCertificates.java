package io.exocom.broker;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made for a test with the JDK's keytool (no test key ever sits in the repository): a self-signed
 * certificate for localhost and 127.0.0.1, written as the PEM files cert-manager would write, and SSL contexts
 * that trust or present them.
 */
public final class TestCertificates {
    private static final char[] PASSWORD = "changeit".toCharArray();

    /** One generated certificate with its key. */
    public record Issued(X509Certificate certificate, PrivateKey key, Path certPem, Path keyPem) {
        /** Writes this certificate over the PEM files of another, as a rotation in place does. */
        public void copyOver(Issued target) throws IOException {
            replace(certPem, target.certPem);
            replace(keyPem, target.keyPem);
        }
    }

    private TestCertificates() {
    }

    /** A new self-signed certificate named {@code name} in {@code dir}, valid for localhost for two days. */
    public static Issued selfSigned(Path dir, String name) throws Exception {
        Files.createDirectories(dir);
        Path store = dir.resolve(name + ".p12");
        Files.deleteIfExists(store);
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
                "-ext", "san=dns:localhost,ip:127.0.0.1", "-validity", "2", "-keystore", store.toString(),
                "-storetype", "PKCS12", "-storepass", new String(PASSWORD)).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD);
        }
        X509Certificate certificate = (X509Certificate) keys.getCertificate(name);
        PrivateKey key = (PrivateKey) keys.getKey(name, PASSWORD);
        Path certPem = dir.resolve(name + ".crt");
        Path keyPem = dir.resolve(name + ".key");
        Files.writeString(certPem, pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
        return new Issued(certificate, key, certPem, keyPem);
    }

    /** A client context that trusts exactly these certificates and presents {@code client} if given. */
    public static SSLContext context(Issued client, X509Certificate... trusted) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < trusted.length; i++) {
            trust.setCertificateEntry("trusted" + i, trusted[i]);
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        KeyManagerFactory keyManagers = null;
        if (client != null) {
            KeyStore identity = KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            identity.setKeyEntry("client", client.key(), PASSWORD, new X509Certificate[]{client.certificate()});
            keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(identity, PASSWORD);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers == null ? null : keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Replaces a file by renaming a complete copy over it, as the kubelet swaps a Secret volume's files. */
    private static void replace(Path from, Path to) throws IOException {
        Path temp = Files.createTempFile(to.getParent(), "rotate", ".tmp");
        Files.copy(from, temp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
