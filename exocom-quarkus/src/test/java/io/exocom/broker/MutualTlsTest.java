package io.exocom.broker;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** With EXOCOM_TLS_CLIENT_CA, only clients presenting a certificate that CA signed get a connection. */
@QuarkusTest
@TestProfile(MutualTlsTest.WithClientCa.class)
class MutualTlsTest extends BrokerTestSupport {
    static final Path DIR = Path.of("target", "mtls-test").toAbsolutePath();
    static TestCertificates.Issued broker;
    static TestCertificates.Issued client;
    static TestCertificates.Issued stranger;

    public static class WithClientCa extends RoutedProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                broker = TestCertificates.selfSigned(DIR, "broker");
                client = TestCertificates.selfSigned(DIR, "client");
                stranger = TestCertificates.selfSigned(DIR, "stranger");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            Map<String, String> settings = new HashMap<>(super.getConfigOverrides());
            settings.put("exocom.tls-cert", broker.certPem().toString());
            settings.put("exocom.tls-key", broker.keyPem().toString());
            settings.put("exocom.tls-client-ca", client.certPem().toString());
            return settings;
        }
    }

    private URI wss() {
        return URI.create(servicesHttp.toString().replaceFirst("^http", "wss"));
    }

    private HttpClient presenting(TestCertificates.Issued identity) throws Exception {
        return HttpClient.newBuilder().sslContext(TestCertificates.context(identity, broker.certificate())).build();
    }

    @Test
    void aClientWithACertificateOfTheCaConnects() throws Exception {
        try (WsRelay relay = WsRelay.connect(wss(), presenting(client))) {
            relay.sendText("{\"type\":\"register\",\"service\":\"web\"}");
            assertEquals("registered", relay.next().path("type").asText());
        }
    }

    @Test
    void aClientWithoutACertificateOrWithAnotherOneIsRefused() {
        assertThrows(Exception.class, () -> WsRelay.connect(wss(), presenting(null)).close(), "no client certificate");
        assertThrows(Exception.class, () -> WsRelay.connect(wss(), presenting(stranger)).close(), "a certificate of another CA");
    }
}
