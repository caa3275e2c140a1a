package io.exocom.broker.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The key manager the broker's TLS port uses: it asks the current identity at every handshake, so that replacing
 * it ({@link BrokerTls} does when cert-manager rotates the files) changes what new connections see while those
 * already open keep theirs, without restarting the server.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private final AtomicReference<X509ExtendedKeyManager> current;

    ReloadingKeyManager(X509ExtendedKeyManager initial) {
        this.current = new AtomicReference<>(initial);
    }

    void replace(X509ExtendedKeyManager next) {
        current.set(next);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return current.get().getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return current.get().chooseClientAlias(keyType, issuers, socket);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return current.get().getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return current.get().chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return current.get().chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return current.get().getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return current.get().getPrivateKey(alias);
    }
}
