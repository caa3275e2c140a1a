package io.exocom.broker.tls;

import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Optional;

/**
 * TLS on the broker's port (README, Security): the certificate and key from PEM files, and optionally a CA whose
 * client certificates are required (mutual TLS). {@link #reloadIfChanged()} re-reads the files when their content
 * changed (cert-manager and the kubelet replace them in place), so that new connections get the new certificate
 * and open ones keep going; files caught half-written are tried again at the next check.
 */
public final class BrokerTls {
    private static final Logger LOG = Logger.getLogger("exocom");

    private final Path certFile;
    private final Path keyFile;
    private final Path clientCaFile;
    private final ReloadingKeyManager keyManager;
    private final ReloadingTrustManager trustManager;
    private volatile X509Certificate certificate;
    private byte[] fingerprint;
    private String lastProblem;

    private BrokerTls(Path certFile, Path keyFile, Path clientCaFile) throws PemMaterial.TlsFileException {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.clientCaFile = clientCaFile;
        this.fingerprint = fingerprint();
        PemMaterial.Identity identity = PemMaterial.identity(certFile, keyFile);
        this.certificate = identity.leaf();
        this.keyManager = new ReloadingKeyManager(identity.keyManager());
        this.trustManager = clientCaFile == null ? null : new ReloadingTrustManager(PemMaterial.clientTrust(clientCaFile));
    }

    /** TLS from the given files, or none when no certificate is configured. */
    public static Optional<BrokerTls> of(Optional<String> cert, Optional<String> key, Optional<String> clientCa)
            throws PemMaterial.TlsFileException {
        if (cert.isEmpty() && key.isEmpty()) {
            if (clientCa.isPresent()) {
                throw new PemMaterial.TlsFileException("EXOCOM_TLS_CLIENT_CA is set, but client certificates need TLS: "
                        + "set EXOCOM_TLS_CERT and EXOCOM_TLS_KEY too");
            }
            return Optional.empty();
        }
        if (cert.isEmpty() || key.isEmpty()) {
            throw new PemMaterial.TlsFileException((cert.isEmpty() ? "EXOCOM_TLS_KEY" : "EXOCOM_TLS_CERT")
                    + " is set, but TLS needs both EXOCOM_TLS_CERT (the certificate) and EXOCOM_TLS_KEY (its private key)");
        }
        return Optional.of(new BrokerTls(Path.of(cert.get()), Path.of(key.get()), clientCa.map(Path::of).orElse(null)));
    }

    /** Makes a server's port speak TLS only: a plain connection fails its handshake. */
    public void applyTo(HttpServerOptions options) {
        options.setSsl(true);
        options.setKeyCertOptions(KeyCertOptions.wrap(keyManager));
        if (trustManager != null) {
            options.setTrustOptions(TrustOptions.wrap(trustManager));
            options.setClientAuth(ClientAuth.REQUIRED);
        }
    }

    /** Re-reads the files if their content changed; keeps the current certificate when the new files are wrong. */
    public synchronized void reloadIfChanged() {
        byte[] now;
        try {
            now = fingerprint();
        } catch (PemMaterial.TlsFileException e) {
            warnOnce(e.getMessage());
            return;
        }
        if (Arrays.equals(now, fingerprint)) {
            return;
        }
        try {
            PemMaterial.Identity identity = PemMaterial.identity(certFile, keyFile);
            if (clientCaFile != null) {
                trustManager.replace(PemMaterial.clientTrust(clientCaFile));
            }
            keyManager.replace(identity.keyManager());
            certificate = identity.leaf();
            fingerprint = now;
            lastProblem = null;
            LOG.infof("TLS: new certificate from %s for new connections (%s); open connections keep theirs",
                    certFile, describe());
        } catch (PemMaterial.TlsFileException e) {
            warnOnce(e.getMessage());
        }
    }

    /** What the log says about the certificate in use. */
    public String describe() {
        X509Certificate current = certificate;
        return "subject " + current.getSubjectX500Principal().getName() + ", valid until " + current.getNotAfter().toInstant()
                + (clientCaFile == null ? "" : "; client certificates signed by a CA of " + clientCaFile + " required");
    }

    private void warnOnce(String problem) {
        if (!problem.equals(lastProblem)) {
            lastProblem = problem;
            LOG.warnf("TLS: the certificate files changed but cannot be used, so ExoCom keeps the certificate it has "
                    + "(checked again until they can): %s", problem);
        }
    }

    private byte[] fingerprint() throws PemMaterial.TlsFileException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : new Path[]{certFile, keyFile, clientCaFile}) {
                if (file != null) {
                    digest.update(Files.readAllBytes(file));
                    digest.update((byte) 0);
                }
            }
            return digest.digest();
        } catch (IOException e) {
            throw new PemMaterial.TlsFileException("a TLS file cannot be read: " + e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
