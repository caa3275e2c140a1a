package io.exocom.broker;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** TLS on the broker's port, over the real wire: wss:// and https:// work, plain is refused, rotation in place. */
@QuarkusTest
@TestProfile(TlsTest.WithTls.class)
class TlsTest extends BrokerTestSupport {
    static final Path DIR = Path.of("target", "tls-test").toAbsolutePath();
    static TestCertificates.Issued current;
    static TestCertificates.Issued next;

    public static class WithTls extends RoutedProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                current = TestCertificates.selfSigned(DIR, "broker");
                next = TestCertificates.selfSigned(DIR, "broker-next");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            Map<String, String> settings = new HashMap<>(super.getConfigOverrides());
            settings.put("exocom.tls-cert", current.certPem().toString());
            settings.put("exocom.tls-key", current.keyPem().toString());
            settings.put("exocom.tls-reload-interval", "100ms");
            settings.put("exocom.tls-plain-port", "0");
            return settings;
        }
    }

    private HttpClient trusting(X509Certificate... trusted) throws Exception {
        return HttpClient.newBuilder().sslContext(TestCertificates.context(null, trusted)).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private URI wss() {
        return URI.create(servicesHttp.toString().replaceFirst("^http", "wss"));
    }

    private URI https(String path) {
        return URI.create(servicesHttp.toString().replaceFirst("^http", "https").replace("/services", path));
    }

    /** The subject of the certificate the broker presents to a new connection now. */
    private String presented() throws Exception {
        SSLContext context = TestCertificates.context(null, current.certificate(), next.certificate());
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", servicesHttp.getPort())) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    @Test
    void relaysRegisterOverWssAndHttpClientsUseHttps() throws Exception {
        HttpClient client = trusting(current.certificate(), next.certificate());
        try (WsRelay relay = WsRelay.connect(wss(), client)) {
            relay.sendText("{\"type\":\"register\",\"service\":\"web\"}");
            assertEquals("registered", relay.next().path("type").asText());
            relay.command("todos.create", Map.of("text", "over TLS"));
        }
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(https("/q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
    }

    @Test
    void plainConnectionsAreRefused() {
        assertThrows(Exception.class, () -> WsRelay.connect(ws()).close(), "a plain ws:// connection must not open");
        assertThrows(java.io.IOException.class, () -> HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(servicesHttp.toString().replace("/services", "/q/health/ready")))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()),
                "a plain http:// request must get no answer");
    }

    @jakarta.inject.Inject
    BrokerRuntime runtime;

    @Test
    void plainConnectionsAreServedOnlyOnTheExplicitPlainPort() throws Exception {
        await("the plain port", Duration.ofSeconds(10), () -> runtime.plainPort() > 0);
        URI plain = URI.create("ws://localhost:" + runtime.plainPort() + "/services");
        try (WsRelay relay = WsRelay.connect(plain)) {
            relay.sendText("{\"type\":\"register\",\"service\":\"web\"}");
            assertEquals("registered", relay.next().path("type").asText());
        }
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + runtime.plainPort() + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertThrows(Exception.class, () -> WsRelay.connect(ws()).close(), "the TLS port still refuses plain connections");
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateCannotConnect() {
        assertThrows(Exception.class, () -> WsRelay.connect(wss(), HttpClient.newHttpClient()).close(),
                "a self-signed certificate must not verify against the system trust store");
    }

    @Test
    void aRotatedCertificateServesNewConnectionsWhileOpenOnesStay() throws Exception {
        assertEquals("CN=broker", presented());
        try (WsRelay open = WsRelay.connect(wss(), trusting(current.certificate()))) {
            open.sendText("{\"type\":\"register\",\"service\":\"web\"}");
            assertEquals("registered", open.next().path("type").asText());

            // a half-written file is not taken: the broker keeps the certificate it has
            Files.writeString(current.certPem(), "-----BEGIN CERTIFICATE-----\nnot yet\n");
            Thread.sleep(500);
            assertEquals("CN=broker", presented());

            next.copyOver(current);
            await("the new certificate on new connections", Duration.ofSeconds(10), () -> {
                try {
                    return presented().equals("CN=broker-next");
                } catch (Exception e) {
                    return false;
                }
            });
            // a client that only knows the new certificate connects; the open connection still carries messages
            try (WsRelay fresh = WsRelay.connect(wss(), trusting(next.certificate()))) {
                fresh.sendText("{\"type\":\"register\",\"service\":\"web\"}");
                assertEquals("registered", fresh.next().path("type").asText());
            }
            open.command("todos.create", Map.of("text", "still here"));
        }
    }
}
