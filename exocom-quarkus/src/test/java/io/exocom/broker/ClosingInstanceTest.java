package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.get;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A rolling restart of a one-replica service (issue 9 item 1, PROTOCOL.md §3 {@code closing}): the instance that
 * shuts down gets no more commands, what it gives back costs no attempt, and the next instance gets everything.
 */
@QuarkusTest
@TestProfile(RoutedProfile.class)
class ClosingInstanceTest extends BrokerTestSupport {

    private WsRelay closer(String instance, String... receives) throws Exception {
        WsRelay relay = WsRelay.connect(ws());
        StringBuilder names = new StringBuilder();
        for (String name : receives) {
            names.append(names.length() == 0 ? "" : ",").append('"').append(name).append('"');
        }
        relay.sendText("{\"type\":\"register\",\"service\":\"closer\",\"instance\":\"" + instance
                + "\",\"protocol\":\"1.1\",\"receives\":[" + names + "]}");
        JsonNode registered = relay.next();
        assertEquals("registered", registered.path("type").asText(), registered.toString());
        assertEquals("1.1", registered.path("protocol").asText());
        assertEquals(RoutedProfile.MAX_FRAME_SIZE, registered.path("maxFrameSize").asInt());
        return relay;
    }

    @Test
    void theOnlyInstanceClosesWhileCommandsArriveAndNoneIsDeadLettered() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-closing")) {
            List<String> sent = new ArrayList<>();
            try (WsRelay old = closer("closer-old", "close.job")) {
                sent.add(boss.command("close.job", 0));
                JsonNode held = old.delivery();
                old.sendText("{\"type\":\"closing\"}");
                // the closing frame and the next sends come on different connections: wait until it took effect
                await("the instance to be closing", Duration.ofSeconds(5),
                        () -> get("/services").asString().matches("(?s).*\"id\":\"closer-old\"[^}]*\"closing\":true.*"));
                for (int i = 1; i <= 5; i++) {
                    sent.add(boss.command("close.job", i));
                }
                old.expectNothing(Duration.ofMillis(500), "deliver");
                old.nack(idOf(held), true); // gives back what it could not finish
                old.expectNothing(Duration.ofMillis(500), "deliver");
            }
            await("the old instance to be gone", Duration.ofSeconds(5),
                    () -> !get("/services").asString().contains("closer-old"));
            assertEquals("[]", get("/dead-letters?service=closer").asString(), "nothing was dead-lettered");
            try (WsRelay next = closer("closer-new", "close.job")) {
                List<String> received = new ArrayList<>();
                for (int i = 0; i < sent.size(); i++) {
                    JsonNode delivery = next.delivery();
                    assertEquals(1, delivery.path("attempt").asInt(), "giving it back cost no attempt: " + delivery);
                    received.add(idOf(delivery));
                    next.ack(idOf(delivery));
                }
                assertEquals(sent, received, "all of them, in order");
            }
        }
    }

    @Test
    void aCommandNoRegisteredInstanceTakesWaitsForOneThatDoes() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-names");
             WsRelay jobsOnly = closer("closer-jobs", "close.job")) {
            String other = boss.command("close.other", "waits");
            String job = boss.command("close.job", "goes");
            JsonNode delivery = jobsOnly.delivery();
            assertEquals(job, idOf(delivery), "the instance gets what it declared, not held up by what it did not");
            jobsOnly.ack(job);
            jobsOnly.expectNothing(Duration.ofMillis(300), "deliver");
            try (WsRelay others = closer("closer-others", "close.other")) {
                JsonNode waited = others.delivery();
                assertEquals(other, idOf(waited));
                assertEquals(1, waited.path("attempt").asInt());
                others.ack(other);
            }
        }
    }
}
