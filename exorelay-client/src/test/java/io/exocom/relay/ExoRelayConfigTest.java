package io.exocom.relay;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExoRelayConfigTest {

    @Test
    void readsTheVariablesOfTheProtocol() {
        ExoRelayConfig config = ExoRelay.builder().environment(Map.of(
                "SERVICE_NAME", "todos", "EXOCOM_HOST", "exocom.apps", "EXOCOM_PORT", "4100",
                "EXOCOM_INSTANCE", "todos-7f9c", "EXOCOM_TOKEN", "s3cret")).config();
        assertEquals("todos", config.service());
        assertEquals("todos-7f9c", config.instance());
        assertEquals("ws://exocom.apps:4100/services", config.uri().toString());
        assertEquals("s3cret", config.currentToken());
    }

    @Test
    void anAddressInExocomHostSetsTlsAndPort() {
        ExoRelayConfig wss = ExoRelay.builder().environment(Map.of("SERVICE_NAME", "todos",
                "EXOCOM_HOST", "wss://exocom.apps:4443", "EXOCOM_PORT", "4100")).config();
        assertTrue(wss.secure());
        assertEquals("wss://exocom.apps:4443/services", wss.uri().toString());
        ExoRelayConfig https = ExoRelay.builder().environment(Map.of("SERVICE_NAME", "todos",
                "EXOCOM_HOST", "https://exocom.apps")).config();
        assertEquals("wss://exocom.apps:3100/services", https.uri().toString());
        ExoRelayConfig wsWithTls = ExoRelay.builder().environment(Map.of("SERVICE_NAME", "todos",
                "EXOCOM_HOST", "ws://exocom.apps", "EXOCOM_TLS", "true")).config();
        assertTrue(wsWithTls.secure(), "EXOCOM_TLS=true asks for TLS whatever the address says");
        ExoRelayConfig plain = ExoRelay.builder().environment(Map.of("SERVICE_NAME", "todos",
                "EXOCOM_TLS", "false")).config();
        assertFalse(plain.secure());
        IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class, () -> ExoRelay.builder()
                .environment(Map.of("SERVICE_NAME", "todos", "EXOCOM_HOST", "ftp://exocom")).config());
        assertTrue(scheme.getMessage().startsWith("EXOCOM_HOST: \"ftp://exocom\" has the scheme ftp"),
                scheme.getMessage());
    }

    @Test
    void theDefaultsAreTheNamedConstants() {
        ExoRelayConfig config = ExoRelay.builder().service("web").config();
        assertEquals(ExoRelayConfig.DEFAULT_REQUEST_TIMEOUT, config.requestTimeout());
        assertEquals(ExoRelayConfig.DEFAULT_MAX_BUFFERED_SENDS, config.maxBufferedSends());
        assertEquals(ExoRelayConfig.DEFAULT_HEARTBEAT_INTERVAL, config.heartbeatInterval());
        assertEquals(ExoRelayConfig.DEFAULT_CLOSE_GRACE_PERIOD, config.closeGracePeriod());
        assertEquals(ExoRelayConfig.DEFAULT_PORT, config.port());
        assertFalse(config.secure());
        assertNull(config.tlsCa());
    }

    @Test
    void defaultsToLocalhost3100AndTheHostNameAsInstance() {
        ExoRelayConfig config = ExoRelay.builder().environment(Map.of("SERVICE_NAME", "web")).config();
        assertEquals("ws://localhost:3100/services", config.uri().toString());
        assertTrue(config.instance().endsWith("-" + ProcessHandle.current().pid()), config.instance());
        assertNull(config.currentToken());
    }

    @Test
    void aMissingServiceNameIsAClearErrorAtConstruction() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> ExoRelay.builder().environment(Map.of("EXOCOM_PORT", "3100")).build());
        assertTrue(error.getMessage().contains("SERVICE_NAME"), error.getMessage());
    }

    @Test
    void aBadPortOrServiceNameIsNamed() {
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                () -> ExoRelay.builder().environment(Map.of("SERVICE_NAME", "web", "EXOCOM_PORT", "http")).build());
        assertTrue(port.getMessage().contains("EXOCOM_PORT"), port.getMessage());
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> ExoRelay.builder().service("my service").build());
        assertTrue(name.getMessage().contains("my service"), name.getMessage());
    }

    @Test
    void readsTheTokenFromAFileAtEveryConnect(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "first\n");
        ExoRelayConfig config = ExoRelay.builder()
                .environment(Map.of("SERVICE_NAME", "web", "EXOCOM_TOKEN_FILE", file.toString())).config();
        assertEquals("first", config.currentToken());
        Files.writeString(file, "rotated\n");
        assertEquals("rotated", config.currentToken());
    }

    @Test
    void theBackoffGrowsWithJitterUpToItsMaximumAndStartsOverAfterSuccess() {
        Backoff backoff = new Backoff(java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(1000));
        long first = backoff.nextDelayMillis();
        assertTrue(first >= 50 && first <= 100, "first delay " + first);
        long second = backoff.nextDelayMillis();
        assertTrue(second >= 100 && second <= 200, "second delay " + second);
        for (int i = 0; i < 40; i++) {
            long delay = backoff.nextDelayMillis();
            assertTrue(delay >= 500 && delay <= 1000 || i < 3, "delay " + delay);
        }
        backoff.reset();
        assertTrue(backoff.nextDelayMillis() <= 100);
    }

    @Test
    void remembersTheMostRecentlyHandledIdsOnly() {
        HandledIds ids = new HandledIds(2);
        ids.add("a");
        ids.add("b");
        ids.add("c");
        assertFalse(ids.contains("a"));
        assertTrue(ids.contains("b"));
        assertTrue(ids.contains("c"));
    }
}
