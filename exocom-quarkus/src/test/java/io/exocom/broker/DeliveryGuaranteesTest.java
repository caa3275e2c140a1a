package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PROTOCOL.md §4.3 and §5: queueing, prefetch, order, at-least-once redelivery and dead letters. */
@QuarkusTest
@TestProfile(RoutedProfile.class)
class DeliveryGuaranteesTest extends BrokerTestSupport {

    @Test
    void commandsWaitForAnOfflineServiceAndArriveInOrder() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-queue")) {
            for (int i = 0; i < 10; i++) {
                boss.command("ordered.item", i);
            }
            await("ordered's queue to hold 10", Duration.ofSeconds(5), () -> queueDepth("ordered") == 10);
            try (WsRelay ordered = WsRelay.register(ws(), "ordered", "ordered-1", 100)) {
                for (int i = 0; i < 10; i++) {
                    JsonNode frame = ordered.delivery();
                    assertDeliver(frame, "ordered.item", 1);
                    assertEquals(i, frame.path("message").path("payload").asInt(), "acceptance order");
                    ordered.ack(idOf(frame));
                }
            }
        }
    }

    @Test
    void anInstanceNeverHoldsMoreThanItsPrefetch() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-prefetch");
             WsRelay pref = WsRelay.register(ws(), "pref", "pref-1", 2)) {
            for (int i = 0; i < 5; i++) {
                boss.command("pref.job", i);
            }
            JsonNode first = pref.delivery();
            JsonNode second = pref.delivery();
            pref.expectNothing(Duration.ofMillis(400), "deliver");
            assertEquals(3, queueDepth("pref"), "the rest waits in the queue");
            pref.ack(idOf(first));
            JsonNode third = pref.delivery();
            assertEquals(2, third.path("message").path("payload").asInt(), "next in order once one is acked");
            pref.expectNothing(Duration.ofMillis(300), "deliver");
            pref.ack(idOf(second));
            pref.ack(idOf(third));
            pref.ack(idOf(pref.delivery()));
            pref.ack(idOf(pref.delivery()));
        }
    }

    @Test
    void whatADisconnectedInstanceHeldGoesToAnother() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-disc");
             WsRelay first = WsRelay.register(ws(), "worker", "worker-disc-1")) {
            String id = boss.command("work.do", "job");
            assertDeliver(first.delivery(), "work.do", 1);
            try (WsRelay second = WsRelay.register(ws(), "worker", "worker-disc-2")) {
                first.close(); // clean close without ack
                JsonNode again = second.delivery();
                assertDeliver(again, "work.do", 2);
                assertEquals(id, idOf(again));
                second.ack(id);
            }
        }
    }

    @Test
    void whatACrashedInstanceHeldIsRedeliveredWhenItComesBack() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-crash")) {
            WsRelay doomed = WsRelay.register(ws(), "worker", "worker-crash");
            String id = boss.command("work.do", "crash");
            assertDeliver(doomed.delivery(), "work.do", 1);
            doomed.crash();
            await("the copy to be back in the queue", Duration.ofSeconds(10), () -> queueDepth("worker") == 1);
            try (WsRelay revived = WsRelay.register(ws(), "worker", "worker-crash")) {
                JsonNode again = revived.delivery();
                assertDeliver(again, "work.do", 2);
                assertEquals(id, idOf(again));
                revived.ack(id);
            }
        }
    }

    @Test
    void anUnackedDeliveryIsRedeliveredAfterTheAckTimeoutPreferablyElsewhere() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-timeout");
             WsRelay slow = WsRelay.register(ws(), "worker", "worker-slow")) {
            String id = boss.command("work.do", "slow");
            assertDeliver(slow.delivery(), "work.do", 1);
            try (WsRelay quick = WsRelay.register(ws(), "worker", "worker-quick")) {
                // redelivered once the profile's ack timeout has passed
                JsonNode again = quick.delivery();
                assertDeliver(again, "work.do", 2);
                assertEquals(id, idOf(again));
                quick.ack(id);
                slow.ack(id); // late: ignored, nothing breaks
                slow.expectNothing(Duration.ofMillis(500), "deliver");
            }
        }
    }

    @Test
    void aNackRedeliversToAnotherInstance() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-nack");
             WsRelay a = WsRelay.register(ws(), "worker", "worker-nack-a");
             WsRelay b = WsRelay.register(ws(), "worker", "worker-nack-b")) {
            String id = boss.command("work.do", "nack me");
            WsRelay got = null;
            JsonNode frame = null;
            for (int i = 0; i < 250 && got == null; i++) {
                for (WsRelay r : List.of(a, b)) {
                    frame = r.poll(Duration.ofMillis(20), "deliver");
                    if (frame != null) {
                        got = r;
                        break;
                    }
                }
            }
            assertNotNull(got, "neither instance got the command");
            WsRelay other = got == a ? b : a;
            assertDeliver(frame, "work.do", 1);
            assertEquals(id, idOf(frame));
            got.nack(id, true);
            // Well within the ack timeout, so that this is the nack's redelivery and not the timeout's.
            JsonNode again = other.poll(Duration.ofSeconds(RoutedProfile.ACK_TIMEOUT_SECONDS - 1), "deliver");
            assertNotNull(again, "the nacked command went to the other instance at once");
            assertDeliver(again, "work.do", 2);
            assertEquals(id, idOf(again));
            other.ack(id);
        }
    }

    @Test
    void afterTheMaximumAttemptsACopyBecomesADeadLetterThatCanBeReplayed() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-dead")) {
            String id;
            try (WsRelay fragile = WsRelay.register(ws(), "fragile", "fragile-1")) {
                id = boss.command("fragile.do", Map.of("n", 1));
                for (int attempt = 1; attempt <= RoutedProfile.MAX_ATTEMPTS; attempt++) {
                    JsonNode frame = fragile.delivery();
                    assertDeliver(frame, "fragile.do", attempt);
                    fragile.nack(id, true);
                }
                fragile.expectNothing(Duration.ofMillis(500), "deliver");
            }
            JsonPath letters = RestAssured.get("/dead-letters?service=fragile").then().statusCode(200).extract().jsonPath();
            List<Map<String, Object>> found = letters.getList("findAll { it.message.id == '" + id + "' }");
            assertEquals(1, found.size(), letters.prettify());
            Map<String, Object> letter = found.get(0);
            assertEquals(RoutedProfile.MAX_ATTEMPTS, letter.get("attempts"));
            assertTrue(letter.get("reason").toString().contains("nacked"), letter.toString());
            String metrics = RestAssured.get("/q/metrics").asString();
            assertTrue(metrics.contains("exocom_messages_dead_lettered_total{name=\"fragile.do\",service=\"fragile\"}"),
                    "dead letters are counted");

            String key = letter.get("key").toString();
            given().post("/dead-letters/" + key + "/replay").then().statusCode(202);
            given().post("/dead-letters/" + key + "/replay").then().statusCode(404);
            try (WsRelay fixed = WsRelay.register(ws(), "fragile", "fragile-fixed")) {
                JsonNode replayed = fixed.delivery();
                assertDeliver(replayed, "fragile.do", 1);
                assertEquals(id, idOf(replayed));
                fixed.ack(id);
            }
        }
    }

    @Test
    void aNackWithoutRequeueDeadLettersAtOnceAndCanBeDiscarded() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-reject");
             WsRelay fragile = WsRelay.register(ws(), "fragile", "fragile-reject")) {
            String id = boss.command("fragile.do", Map.of("poison", true));
            assertDeliver(fragile.delivery(), "fragile.do", 1);
            fragile.nack(id, false);
            fragile.expectNothing(Duration.ofMillis(400), "deliver");
            JsonPath letters = RestAssured.get("/dead-letters").jsonPath();
            String key = letters.getString("find { it.message.id == '" + id + "' }.key");
            assertEquals(1, letters.getInt("find { it.message.id == '" + id + "' }.attempts"));
            given().get("/dead-letters/" + key).then().statusCode(200);
            given().delete("/dead-letters/" + key).then().statusCode(204);
            given().get("/dead-letters/" + key).then().statusCode(404);
        }
    }

    @Test
    void anAckedCopyIsNeverDeliveredAgain() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-acked");
             WsRelay worker = WsRelay.register(ws(), "worker", "worker-acked")) {
            String id = boss.command("work.do", "done");
            JsonNode delivered = worker.delivery();
            assertEquals(id, idOf(delivered));
            worker.ack(id);
            // longer than the ack timeout plus a sweep
            worker.expectNothing(Duration.ofSeconds(RoutedProfile.ACK_TIMEOUT_SECONDS).plusMillis(1000), "deliver");
        }
    }

    @Test
    void oneBatchedAckSettlesEveryCopyItNamesAndNothingIsDeliveredAgain() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-batched");
             WsRelay worker = WsRelay.connect(ws())) {
            worker.sendText("{\"type\":\"register\",\"service\":\"worker\",\"instance\":\"worker-batched\","
                    + "\"prefetch\":10,\"protocol\":\"1.2\"}");
            assertEquals("1.2", worker.next("registered").path("protocol").asText(), "a 1.2 relay gets 1.2");
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ids.add(boss.command("work.do", i));
            }
            List<String> delivered = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                delivered.add(idOf(worker.delivery()));
            }
            assertEquals(ids, delivered);
            worker.sendFrame(WsRelay.JSON.createObjectNode().put("type", "ack")
                    .set("ids", WsRelay.JSON.valueToTree(delivered)));
            await("the batched ack to settle all five", Duration.ofSeconds(5), () -> inFlight("worker") == 0);
            worker.expectNothing(Duration.ofSeconds(RoutedProfile.ACK_TIMEOUT_SECONDS).plusMillis(1000), "deliver", "error");
        }
    }

    static int inFlight(String service) {
        Integer inFlight = RestAssured.get("/queues").jsonPath().get("find { it.service == '" + service + "' }.inFlight");
        return inFlight == null ? 0 : inFlight;
    }

    static int queueDepth(String service) {
        JsonPath queues = RestAssured.get("/queues").jsonPath();
        Integer depth = queues.get("find { it.service == '" + service + "' }.depth");
        return depth == null ? 0 : depth;
    }
}
