package io.exocom.relay;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS to ExoCom over a real TLS WebSocket ({@link TlsBroker}, certificate made here): verified against
 * EXOCOM_TLS_CA, refused against the system trust store and for a name the certificate is not for, each refusal a
 * sentence naming what did not verify; and the token file re-read at every reconnect.
 */
class TlsTest {
    static TlsBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = new TlsBroker();
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    private static ExoRelay.Builder relay(Map<String, String> env) {
        return ExoRelay.builder().environment(env).instance("tls-1")
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200)).connectTimeout(Duration.ofSeconds(5));
    }

    @Test
    void aWssAddressWithTheBrokersCaConnectsAndRegisters() {
        try (ExoRelay relay = relay(Map.of("SERVICE_NAME", "web", "EXOCOM_HOST", "wss://localhost:" + broker.port(),
                "EXOCOM_TLS_CA", broker.caFile().toString())).build()) {
            assertEquals("wss://localhost:" + broker.port() + "/services", relay.config().uri().toString());
            Await.result(relay.start());
            assertEquals(ConnectionStatus.REGISTERED, relay.status());
        }
    }

    @Test
    void exocomTlsTrueConnectsWithTlsToHostAndPort() {
        try (ExoRelay relay = relay(Map.of("SERVICE_NAME", "web", "EXOCOM_HOST", "localhost",
                "EXOCOM_PORT", String.valueOf(broker.port()), "EXOCOM_TLS", "true",
                "EXOCOM_TLS_CA", broker.caFile().toString())).build()) {
            Await.result(relay.start());
            assertTrue(relay.isOnline());
        }
    }

    @Test
    void aCertificateNoTrustedCaSignedIsRefusedWithASentenceSayingSo() {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (ExoRelay relay = relay(Map.of("SERVICE_NAME", "web", "EXOCOM_HOST", "wss://localhost:" + broker.port()))
                .build()) {
            relay.onError(errors::add);
            relay.start();
            Await.until("the relay reported the refused certificate", () -> !errors.isEmpty());
            String sentence = errors.get(0).getMessage();
            assertTrue(sentence.contains("could not be verified") && sentence.contains("CN=localhost")
                    && sentence.contains("is not signed by any CA in the system trust store"), sentence);
            assertFalse(relay.isOnline());
        }
    }

    @Test
    void aCertificateForAnotherNameIsRefusedWithASentenceSayingSo() {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (ExoRelay relay = relay(Map.of("SERVICE_NAME", "web", "EXOCOM_HOST", "wss://127.0.0.1:" + broker.port(),
                "EXOCOM_TLS_CA", broker.caFile().toString())).build()) {
            relay.onError(errors::add);
            relay.start();
            Await.until("the relay reported the refused certificate", () -> !errors.isEmpty());
            String sentence = errors.get(0).getMessage();
            assertTrue(sentence.contains("is not issued for the host name \"127.0.0.1\""), sentence);
            assertFalse(relay.isOnline());
        }
    }

    @Test
    void aCaFileThatHoldsNoCertificateStopsTheBuildNamingTheVariable(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> relay(Map.of(
                "SERVICE_NAME", "web", "EXOCOM_TLS_CA", empty.toString())).build());
        assertTrue(refused.getMessage().startsWith("EXOCOM_TLS_CA " + empty), refused.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> relay(Map.of(
                "SERVICE_NAME", "web", "EXOCOM_TLS_CA", dir.resolve("nope.pem").toString())).build());
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        IllegalArgumentException tls = assertThrows(IllegalArgumentException.class, () -> relay(Map.of(
                "SERVICE_NAME", "web", "EXOCOM_TLS", "yes")).build());
        assertTrue(tls.getMessage().startsWith("EXOCOM_TLS \"yes\" is not true or false"), tls.getMessage());
    }

    @Test
    void aRotatedTokenFileIsUsedFromTheNextReconnectOnWithoutBreakingTheRunningConnection(@TempDir Path dir)
            throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "first-token\n");
        try (ExoRelay relay = relay(Map.of("SERVICE_NAME", "web", "EXOCOM_HOST", "wss://localhost:" + broker.port(),
                "EXOCOM_TLS_CA", broker.caFile().toString(), "EXOCOM_TOKEN_FILE", file.toString())).build()) {
            int before = broker.tokens.size();
            Await.result(relay.start());
            // The kubelet rotates by swapping the file: for a moment there is none.
            Files.delete(file);
            assertTrue(relay.isOnline(), "the running connection is left alone");
            Files.writeString(file, "second-token\n");
            broker.goAway();
            Await.until("the relay registered again", () -> broker.tokens.size() >= before + 2 && relay.isOnline());
            assertEquals(List.of("first-token", "second-token"), broker.tokens.subList(before, before + 2));
        }
    }
}
