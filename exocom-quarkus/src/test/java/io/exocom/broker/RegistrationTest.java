package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PROTOCOL.md §3: registration, and every malformed frame answered without losing the connection. */
@QuarkusTest
@TestProfile(RoutedProfile.class)
class RegistrationTest extends BrokerTestSupport {

    @Test
    void registeredFrameListsTheRoutesOfTheService() throws Exception {
        try (WsRelay relay = WsRelay.connect(ws())) {
            relay.sendText("{\"type\":\"register\",\"service\":\"todos\",\"instance\":\"todos-1\"}");
            JsonNode registered = relay.next();
            assertEquals("registered", registered.path("type").asText());
            assertEquals("todos", registered.path("service").asText());
            assertEquals("todos-1", registered.path("instance").asText());
            assertEquals("[\"todos.created\",\"todos.listed\"]", registered.path("sends").toString());
            assertEquals("[\"todos.create\",\"todos.list\"]", registered.path("receives").toString());
        }
    }

    @Test
    void exoComNamesAnInstanceThatDidNotNameItself() throws Exception {
        try (WsRelay relay = WsRelay.connect(ws())) {
            relay.sendText("{\"type\":\"register\",\"service\":\"mailer\"}");
            JsonNode registered = relay.next();
            assertTrue(registered.path("instance").asText().startsWith("mailer-"), registered.toString());
        }
    }

    @Test
    void unknownServiceIsRefusedAndClosedWith4403() throws Exception {
        try (WsRelay relay = WsRelay.connect(ws())) {
            relay.sendText("{\"type\":\"register\",\"service\":\"stranger\"}");
            JsonNode error = relay.next();
            assertError(error, "unknown-service");
            assertTrue(error.path("message").asText().contains("stranger"), error.toString());
            assertEquals(4403, relay.awaitClose());
        }
    }

    @Test
    void framesBeforeRegistrationAreRefusedNotRegistered() throws Exception {
        try (WsRelay relay = WsRelay.connect(ws())) {
            relay.sendMessage(WsRelay.message("todos.list", "m-1", null));
            assertError(relay.next(), "not-registered");
            relay.sendText("{\"type\":\"ack\",\"id\":\"m-1\"}");
            assertError(relay.next(), "not-registered");
            // the connection is still usable
            relay.sendText("{\"type\":\"register\",\"service\":\"web\"}");
            assertEquals("registered", relay.next().path("type").asText());
        }
    }

    @Test
    void malformedFramesGetInvalidAndTheConnectionStaysOpen() throws Exception {
        try (WsRelay relay = WsRelay.register(ws(), "web", "web-malformed")) {
            String[] broken = {
                    "not json at all",
                    "[1,2,3]",
                    "{\"no\":\"type\"}",
                    "{\"type\":\"teleport\"}",
                    "{\"type\":\"ack\"}",
                    "{\"type\":\"nack\",\"id\":\"x\",\"requeue\":\"yes\"}",
                    "{\"type\":\"register\",\"service\":\"web\"}", // registered already
                    "{\"type\":\"send\"}",
            };
            for (String frame : broken) {
                relay.sendText(frame);
                JsonNode answer = relay.next();
                assertEquals("invalid", answer.path("code").asText(), frame + " -> " + answer);
                assertFalse(answer.path("message").asText().isBlank(), frame + " -> " + answer);
            }
            relay.sendBinary(new byte[]{1, 2, 3});
            assertError(relay.next(), "invalid");
            assertFalse(relay.isClosed());
            // and it still works
            relay.command("todos.list", null);
        }
    }

    @Test
    void invalidRegistrationsAreExplained() throws Exception {
        try (WsRelay relay = WsRelay.connect(ws())) {
            relay.sendText("{\"type\":\"register\",\"service\":\"web\",\"prefetch\":0}");
            JsonNode error = relay.next();
            assertError(error, "invalid");
            assertTrue(error.path("message").asText().contains("prefetch"), error.toString());
            relay.sendText("{\"type\":\"register\",\"service\":\"bad name!\"}");
            assertError(relay.next(), "invalid");
            relay.sendText("{\"type\":\"register\"}");
            assertError(relay.next(), "invalid");
        }
    }

    @Test
    void aSecondConnectionOfTheSameInstanceReplacesTheFirst() throws Exception {
        try (WsRelay first = WsRelay.register(ws(), "offline", "offline-same");
             WsRelay boss = WsRelay.register(ws(), "boss", "boss-replace")) {
            String id = boss.command("offline.job", "one");
            assertDeliver(first.delivery(), "offline.job", 1);
            try (WsRelay second = WsRelay.register(ws(), "offline", "offline-same")) {
                assertEquals(4409, first.awaitClose());
                // what the first connection held unacked goes to its replacement
                JsonNode again = second.delivery();
                assertDeliver(again, "offline.job", 2);
                assertEquals(id, idOf(again));
                second.ack(id);
            }
        }
    }

    /** Relays ping to notice dead connections (ExoRelay's heartbeat); an unanswered ping makes them reconnect. */
    @Test
    void pingsAreAnsweredWithTheirTextBeforeAndAfterRegistration() throws Exception {
        try (WsRelay relay = WsRelay.connect(ws())) {
            assertEquals("before", relay.ping("before"));
            relay.sendText("{\"type\":\"register\",\"service\":\"web\"}");
            assertEquals("registered", relay.next().path("type").asText());
            assertEquals("after", relay.ping("after"));
        }
    }

    /** EXOCOM_PING_INTERVAL is 1 s in this profile: an idle connection is pinged, registered or not. */
    @Test
    void exoComPingsIdleConnections() throws Exception {
        try (WsRelay idle = WsRelay.connect(ws())) {
            await("two pings from ExoCom", Duration.ofSeconds(10), () -> idle.pingsReceived() >= 2);
            idle.assertNoPendingFrames();
        }
    }

    @Test
    void anInstanceThatVanishesIsForgotten() throws Exception {
        WsRelay relay = WsRelay.register(ws(), "reporter", "reporter-vanish");
        // without this, a /services that never lists instances (or answers an error) would pass the test
        assertTrue(listedInstances().contains("reporter-vanish"), "listed while connected: " + listedInstances());
        relay.crash();
        await("the instance to be unregistered", Duration.ofSeconds(10), () ->
                !listedInstances().contains("reporter-vanish"));
    }

    private static java.util.List<String> listedInstances() {
        return io.restassured.RestAssured.get("/services").then().statusCode(200).extract().jsonPath()
                .getList("instances.flatten().id", String.class);
    }
}
