package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;

import java.net.URI;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** What every broker test needs: the broker's WebSocket address and small assertions about frames. */
public abstract class BrokerTestSupport {

    @TestHTTPResource("/services")
    URI servicesHttp;

    protected URI ws() {
        return URI.create(servicesHttp.toString().replaceFirst("^http", "ws"));
    }

    protected static void assertDeliver(JsonNode frame, String name, int attempt) {
        assertEquals("deliver", frame.path("type").asText(), frame.toString());
        assertEquals(name, frame.path("message").path("name").asText(), frame.toString());
        assertEquals(attempt, frame.path("attempt").asInt(), frame.toString());
    }

    protected static void assertRejected(JsonNode frame, String id, String code) {
        assertEquals("rejected", frame.path("type").asText(), frame.toString());
        assertEquals(id, frame.path("id").asText(null), frame.toString());
        assertEquals(code, frame.path("code").asText(), frame.toString());
    }

    protected static void assertError(JsonNode frame, String code) {
        assertEquals("error", frame.path("type").asText(), frame.toString());
        assertEquals(code, frame.path("code").asText(), frame.toString());
    }

    protected static String idOf(JsonNode deliverFrame) {
        return deliverFrame.path("message").path("id").asText();
    }

    protected static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(20);
        }
        fail("timed out waiting for " + what);
    }
}
