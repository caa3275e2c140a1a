package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Two services that use the same message id (issue 9 item 6, PROTOCOL.md §2): both commands are delivered, each
 * reply reaches its own asker, acks free the prefetch, and a disconnect loses neither copy.
 */
@QuarkusTest
@TestProfile(RoutedProfile.class)
class SenderIdCollisionTest extends BrokerTestSupport {

    @Test
    void bothCommandsAreDeliveredAndEachReplyReachesItsOwnAsker() throws Exception {
        try (WsRelay alpha = WsRelay.register(ws(), "alpha", "alpha-1");
             WsRelay beta = WsRelay.register(ws(), "beta", "beta-1");
             WsRelay collider = WsRelay.register(ws(), "collider", "collider-1", 2)) {
            alpha.sendMessage(WsRelay.message("collide.job", "shared-id", "from alpha"));
            assertEquals("accepted", alpha.next("accepted", "rejected").path("type").asText());
            beta.sendMessage(WsRelay.message("collide.job", "shared-id", "from beta"));
            assertEquals("accepted", beta.next("accepted", "rejected").path("type").asText());

            JsonNode first = collider.delivery().path("message");
            JsonNode second = collider.delivery().path("message");
            assertNotEquals(first.path("id").asText(), second.path("id").asText(), "distinct ids at the receiver");
            Map<String, JsonNode> bySender = Map.of(first.path("sender").asText(), first, second.path("sender").asText(), second);
            assertEquals(Set.of("alpha", "beta"), bySender.keySet());

            JsonNode toBeta = collider.reply(bySender.get("beta").path("id").asText(), "collide.done", "for beta", true);
            assertEquals("accepted", toBeta.path("type").asText(), toBeta.toString());
            JsonNode toAlpha = collider.reply(bySender.get("alpha").path("id").asText(), "collide.done", "for alpha", true);
            assertEquals("accepted", toAlpha.path("type").asText(), toAlpha.toString());

            JsonNode betaReply = beta.delivery().path("message");
            assertEquals("for beta", betaReply.path("payload").asText());
            assertEquals("shared-id", betaReply.path("responseTo").asText(), "the asker sees its own id");
            JsonNode alphaReply = alpha.delivery().path("message");
            assertEquals("for alpha", alphaReply.path("payload").asText());
            assertEquals("shared-id", alphaReply.path("responseTo").asText());
            alpha.ack(alphaReply.path("id").asText());
            beta.ack(betaReply.path("id").asText());

            collider.ack(first.path("id").asText());
            collider.ack(second.path("id").asText());
            await("the prefetch to be free again", Duration.ofSeconds(5),
                    () -> get("/services").asString().matches("(?s).*\"service\":\"collider\",[^\\]]*\"inFlight\":0.*"));
        }
    }

    @Test
    void aReceiverThatVanishesHoldingBothLosesNeither() throws Exception {
        try (WsRelay alpha = WsRelay.register(ws(), "alpha", "alpha-2");
             WsRelay beta = WsRelay.register(ws(), "beta", "beta-2")) {
            WsRelay crashing = WsRelay.register(ws(), "collider", "collider-crash", 2);
            alpha.sendMessage(WsRelay.message("collide.job", "shared-2", "a"));
            alpha.next("accepted");
            beta.sendMessage(WsRelay.message("collide.job", "shared-2", "b"));
            beta.next("accepted");
            crashing.delivery();
            crashing.delivery();
            crashing.crash();
            try (WsRelay next = WsRelay.register(ws(), "collider", "collider-next", 2)) {
                Set<String> payloads = new HashSet<>();
                for (int i = 0; i < 2; i++) {
                    JsonNode delivery = next.delivery();
                    assertEquals(2, delivery.path("attempt").asInt());
                    payloads.add(delivery.path("message").path("payload").asText());
                    next.ack(idOf(delivery));
                }
                assertEquals(Set.of("a", "b"), payloads, "both were delivered again");
            }
        }
    }
}
