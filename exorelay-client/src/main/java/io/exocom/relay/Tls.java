package io.exocom.relay;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;

/**
 * TLS for the connection to ExoCom ({@code wss://}): the broker's certificate is verified against the system trust
 * store, or only against the CA certificates of {@code EXOCOM_TLS_CA} (PEM), and its name against the host the
 * relay connects to. When verification fails, {@link #explain(Throwable)} gives the sentence that says what did not
 * verify, which the relay reports instead of the JDK's bare "PKIX path building failed".
 */
final class Tls {
    private final SslContext context;
    private final String trustedBy;
    private final String host;
    private final int port;
    /** What the latest failed verification found, for {@link #explain(Throwable)}; set on the event loop. */
    private volatile String lastRefusal;

    private Tls(X509ExtendedTrustManager system, String trustedBy, String host, int port) throws SSLException {
        this.trustedBy = trustedBy;
        this.host = host;
        this.port = port;
        this.context = SslContextBuilder.forClient().trustManager(new Verifier(system)).build();
    }

    /**
     * @param caFile PEM file of the CA certificates to trust instead of the system's, or null
     * @throws IllegalArgumentException when the CA file cannot be read or holds no certificate; the sentence names
     *                                  EXOCOM_TLS_CA and the file
     */
    static Tls forBroker(String host, int port, Path caFile) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(caFile == null ? null : trustStore(caFile));
            X509ExtendedTrustManager system = null;
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    system = x509;
                }
            }
            if (system == null) {
                throw new IllegalStateException("this JVM has no X.509 trust manager");
            }
            String trustedBy = caFile == null ? "the system trust store" : "the CA certificates in EXOCOM_TLS_CA " + caFile;
            return new Tls(system, trustedBy, host, port);
        } catch (GeneralSecurityException | SSLException e) {
            throw new IllegalArgumentException("cannot set up TLS for ExoCom at " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
    }

    private static KeyStore trustStore(Path caFile) throws GeneralSecurityException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(caFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("EXOCOM_TLS_CA " + caFile + " does not exist: give the path of a PEM "
                    + "file with the CA certificate that signed ExoCom's certificate");
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("EXOCOM_TLS_CA " + caFile + " cannot be read as PEM certificates: "
                    + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("EXOCOM_TLS_CA " + caFile + " holds no certificate: give a PEM file "
                    + "with the CA certificate that signed ExoCom's certificate");
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            return store;
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** A TLS engine for one connection, checking that the certificate names the host connected to. */
    SSLEngine newEngine(io.netty.buffer.ByteBufAllocator allocator) {
        lastRefusal = null; // a new attempt: an earlier refusal no longer explains anything
        SSLEngine engine = context.newEngine(allocator, host, port);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
    }

    /**
     * The sentence for a failed connection: what did not verify when the handshake failed on the certificate, else
     * the error as it is.
     */
    String explain(Throwable error) {
        String refusal = refusal();
        if (refusal != null && isHandshakeFailure(error)) {
            return refusal;
        }
        return String.valueOf(error);
    }

    private String refusal() {
        return lastRefusal;
    }

    private static boolean isHandshakeFailure(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }

    /** Delegates the verification to the JDK and remembers, in words, why it refused a certificate. */
    private final class Verifier extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;

        Verifier(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                throw refuse(chain, e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                throw refuse(chain, e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                throw refuse(chain, e);
            }
        }

        private CertificateException refuse(X509Certificate[] chain, CertificateException e) {
            String subject = chain.length == 0 ? "(none)" : chain[0].getSubjectX500Principal().getName();
            String issuer = chain.length == 0 ? "(none)" : chain[0].getIssuerX500Principal().getName();
            String what = isNameMismatch(e)
                    ? "its certificate (subject \"" + subject + "\") is not issued for the host name \"" + host + "\""
                    : "its certificate (subject \"" + subject + "\", issued by \"" + issuer + "\") is not signed by "
                    + "any CA in " + trustedBy;
            String sentence = "ExoCom at " + host + ":" + port + " could not be verified: " + what
                    + " (" + e.getMessage() + "); set EXOCOM_TLS_CA to the PEM file of the CA that signed it, or "
                    + "connect to the name the certificate is for";
            lastRefusal = sentence;
            return new CertificateException(sentence, e);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    private static boolean isNameMismatch(CertificateException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("No subject alternative") || message.contains("No name matching");
    }
}
