package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PROTOCOL.md §2 and §4.1–4.3: what ExoCom accepts, stamps, refuses, and where copies go. */
@QuarkusTest
@TestProfile(RoutedProfile.class)
class CommandRoutingTest extends BrokerTestSupport {

    @Test
    void acceptedMessagesAreStampedByExoCom() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-stamp");
             WsRelay todos = WsRelay.register(ws(), "todos", "todos-stamp")) {
            ObjectNode message = WsRelay.message("todos.create", "stamp-1", Map.of("text", "milk"));
            message.put("sender", "somebody-else").put("timestamp", 42).put("version", "1.2").put("extra", "dropped");
            message.putObject("headers").put("traceparent", "00-abc-def-01");
            long before = System.currentTimeMillis() * 1_000_000L;
            web.sendMessage(message);
            JsonNode accepted = web.next("accepted");
            long after = System.currentTimeMillis() * 1_000_000L + 1_000_000L;
            long timestamp = accepted.path("timestamp").asLong();
            assertTrue(timestamp >= before && timestamp <= after, "timestamp in unix nanoseconds: " + timestamp);

            JsonNode delivered = todos.delivery().path("message");
            assertEquals("web", delivered.path("sender").asText(), "sender is the registered service");
            assertEquals(timestamp, delivered.path("timestamp").asLong());
            assertEquals("stamp-1", delivered.path("originId").asText(), "originId defaults to id");
            assertEquals("1.2", delivered.path("version").asText());
            assertEquals("milk", delivered.path("payload").path("text").asText());
            assertEquals("00-abc-def-01", delivered.path("headers").path("traceparent").asText());
            assertFalse(delivered.has("extra"), "unknown fields are not delivered");
            todos.ack("stamp-1");
        }
    }

    @Test
    void aGivenOriginIdIsKept() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-origin");
             WsRelay todos = WsRelay.register(ws(), "todos", "todos-origin")) {
            web.sendMessage(WsRelay.message("todos.list", "origin-2", null).put("originId", "user-click-7"));
            web.next("accepted");
            JsonNode delivered = todos.delivery();
            assertEquals("user-click-7", delivered.path("message").path("originId").asText());
            assertTrue(delivered.path("message").path("payload").isNull(), "absent payload is null");
            todos.ack("origin-2");
        }
    }

    @Test
    void everyReceivingServiceGetsOneCopyOnOneInstance() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-fan");
             WsRelay mailer = WsRelay.register(ws(), "mailer", "mailer-fan");
             WsRelay search = WsRelay.register(ws(), "search", "search-fan");
             WsRelay audit1 = WsRelay.register(ws(), "audit", "audit-fan-1");
             WsRelay audit2 = WsRelay.register(ws(), "audit", "audit-fan-2")) {
            String id = web.command("user.created", Map.of("email", "ada@example.com"));
            for (WsRelay receiver : List.of(mailer, search)) {
                JsonNode copy = receiver.delivery();
                assertDeliver(copy, "user.created", 1);
                assertEquals(id, idOf(copy));
                receiver.ack(id);
            }
            // audit has two instances: exactly one of them gets the copy
            int auditCopies = 0;
            for (WsRelay audit : List.of(audit1, audit2)) {
                JsonNode copy = audit.poll(Duration.ofMillis(400), "deliver");
                if (copy != null) {
                    assertDeliver(copy, "user.created", 1);
                    assertEquals(id, idOf(copy));
                    audit.ack(id);
                    auditCopies++;
                }
            }
            assertEquals(1, auditCopies, "one copy per service, to exactly one instance");
        }
    }

    @Test
    void instancesTakeTurns() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-rr");
             WsRelay a = WsRelay.register(ws(), "affine", "affine-rr-a");
             WsRelay b = WsRelay.register(ws(), "affine", "affine-rr-b")) {
            for (int i = 0; i < 6; i++) {
                boss.command("spread.job", i);
            }
            Set<Integer> atA = drain(a, 3);
            Set<Integer> atB = drain(b, 3);
            assertEquals(3, atA.size(), "round-robin gives each instance half: " + atA + " / " + atB);
            assertEquals(3, atB.size());
        }
    }

    private static Set<Integer> drain(WsRelay relay, int count) throws InterruptedException {
        Set<Integer> payloads = new HashSet<>();
        for (int i = 0; i < count; i++) {
            JsonNode frame = relay.delivery();
            payloads.add(frame.path("message").path("payload").asInt());
            relay.ack(idOf(frame));
        }
        relay.expectNothing(Duration.ofMillis(300), "deliver");
        return payloads;
    }

    @Test
    void messagesOfOneActivityStayWithTheInstanceThatHandledIt() throws Exception {
        try (WsRelay boss = WsRelay.register(ws(), "boss", "boss-affinity");
             WsRelay a = WsRelay.register(ws(), "affine", "affine-aff-a");
             WsRelay b = WsRelay.register(ws(), "affine", "affine-aff-b")) {
            String activity = "checkout-" + UUID.randomUUID();
            List<String> handledBy = new ArrayList<>();
            for (int step = 0; step < 4; step++) {
                String id = UUID.randomUUID().toString();
                boss.sendMessage(WsRelay.message("affine.step", id, step).put("originId", activity));
                boss.next("accepted");
                handledBy.add(receiveEither(a, b, id));
            }
            assertEquals(1, new HashSet<>(handledBy).size(), "all steps of one activity on one instance: " + handledBy);
        }
    }

    /** Which of the two instances got the first delivery of this command; acks it. */
    private static String receiveEither(WsRelay a, WsRelay b, String id) throws Exception {
        long deadline = System.nanoTime() + WsRelay.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (WsRelay relay : List.of(a, b)) {
                JsonNode frame = relay.poll(Duration.ofMillis(50), "deliver");
                if (frame != null) {
                    assertDeliver(frame, "affine.step", 1);
                    assertEquals(id, idOf(frame));
                    relay.ack(id);
                    return relay == a ? "a" : "b";
                }
            }
        }
        throw new AssertionError("no delivery of " + id + " to either instance within " + WsRelay.WAIT);
    }

    @Test
    void aServiceMaySendOnlyWhatItsRoutesGrant() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-forbidden")) {
            String id = web.sendCommand("todos.delete", null);
            JsonNode rejected = web.next("rejected");
            assertRejected(rejected, id, "forbidden");
            assertTrue(rejected.path("message").asText().contains("web"), rejected.toString());
            assertTrue(rejected.path("message").asText().contains("todos.delete"), rejected.toString());
        }
    }

    @Test
    void aCommandNobodyReceivesIsRefused() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-nobody")) {
            String id = web.sendCommand("nobody.listens", null);
            JsonNode rejected = web.next("rejected");
            assertRejected(rejected, id, "no-receivers");
            assertTrue(rejected.path("message").asText().contains("nobody.listens"), rejected.toString());
        }
    }

    @Test
    void aFullQueueRefusesTheCommandForEveryReceiver() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-full")) {
            for (int i = 0; i < RoutedProfile.MAX_QUEUE_DEPTH; i++) {
                web.command("full.only", i);
            }
            String overflow = web.sendCommand("full.only", "one too many");
            JsonNode rejected = web.next("rejected");
            assertRejected(rejected, overflow, "queue-full");
            assertTrue(rejected.path("message").asText().contains("bulkfull"), "names the service: " + rejected);

            // bulk.job goes to bulkfull (full) and bulkok: refused whole, so bulkok gets no copy either
            try (WsRelay ok = WsRelay.register(ws(), "bulkok", "bulkok-1")) {
                String bulk = web.sendCommand("bulk.job", null);
                assertRejected(web.next("rejected"), bulk, "queue-full");
                ok.expectNothing(Duration.ofMillis(500), "deliver");
            }
            // once bulkfull drains, its queue takes commands again
            try (WsRelay full = WsRelay.register(ws(), "bulkfull", "bulkfull-1", 100)) {
                for (int i = 0; i < RoutedProfile.MAX_QUEUE_DEPTH; i++) {
                    JsonNode frame = full.delivery();
                    assertEquals(i, frame.path("message").path("payload").asInt(), "queue order");
                    full.ack(idOf(frame));
                }
                web.command("full.only", "fits again");
                full.ack(idOf(full.delivery()));
            }
        }
    }

    @Test
    void framesAboveTheSizeLimitAreRefusedTooLarge() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-large");
             WsRelay todos = WsRelay.register(ws(), "todos", "todos-large")) {
            String big = "x".repeat(RoutedProfile.MAX_FRAME_SIZE);
            web.sendMessage(WsRelay.message("todos.create", "large-1", big));
            assertRejected(web.next("rejected"), "large-1", "too-large");
            // multi-byte characters count as bytes, not characters
            String wide = "\u00e9".repeat(RoutedProfile.MAX_FRAME_SIZE / 2 + 10);
            web.sendMessage(WsRelay.message("todos.create", "large-2", wide));
            assertRejected(web.next("rejected"), "large-2", "too-large");
            todos.expectNothing(Duration.ofMillis(300), "deliver");
            web.command("todos.create", "small is fine");
            todos.ack(idOf(todos.delivery()));
        }
    }

    @Test
    void invalidEnvelopesAreRejectedNamingTheField() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-invalid")) {
            Map<String, String> cases = Map.of(
                    "{\"id\":\"inv-1\"}", "name",
                    "{\"id\":\"inv-2\",\"name\":\"\"}", "name",
                    "{\"id\":\"inv-3\",\"name\":\"" + "n".repeat(201) + "\"}", "name",
                    "{\"id\":\"inv-4\",\"name\":\"a\\u0007b\"}", "name",
                    "{\"id\":\"inv-5\",\"name\":\"todos.list\",\"version\":{}}", "version",
                    "{\"id\":\"inv-6\",\"name\":\"todos.list\",\"headers\":{\"a\":1}}", "headers",
                    "{\"id\":\"inv-7\",\"name\":\"todos.list\",\"responseTo\":5}", "responseTo",
                    "{\"id\":\"inv-8\",\"name\":\"todos.list\",\"final\":\"no\"}", "final");
            for (Map.Entry<String, String> broken : cases.entrySet()) {
                web.sendText("{\"type\":\"send\",\"message\":" + broken.getKey() + "}");
                JsonNode rejected = web.next("rejected");
                String id = WsRelay.JSON.readTree(broken.getKey()).path("id").asText();
                assertRejected(rejected, id, "invalid");
                assertTrue(rejected.path("message").asText().contains(broken.getValue()),
                        broken.getKey() + " -> " + rejected);
            }
            web.sendText("{\"type\":\"send\",\"message\":{\"name\":\"todos.list\"}}");
            JsonNode noId = web.next("rejected");
            assertEquals("invalid", noId.path("code").asText());
            assertTrue(noId.path("message").asText().contains("id"), noId.toString());
        }
    }

    @Test
    void aRepeatedIdIsAcceptedAgainButDeliveredOnce() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-dedup");
             WsRelay sink = WsRelay.register(ws(), "dedupsink", "dedupsink-1")) {
            JsonNode message = WsRelay.message("dedup.test", "dedup-" + UUID.randomUUID(), "once");
            web.sendMessage(message);
            JsonNode first = web.next("accepted");
            JsonNode copy = sink.delivery();
            sink.ack(idOf(copy));
            web.sendMessage(message);
            JsonNode second = web.next("accepted");
            assertEquals(first.path("timestamp").asLong(), second.path("timestamp").asLong(), "the first timestamp");
            sink.expectNothing(Duration.ofMillis(500), "deliver");
        }
    }

    @Test
    void aRejectedIdCanBeRetried() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-retry")) {
            // the same id, first refused (nobody receives), then refused again for the same reason: judged afresh
            JsonNode message = WsRelay.message("nobody.listens", "retry-" + UUID.randomUUID(), null);
            web.sendMessage(message);
            assertEquals("no-receivers", web.next("rejected").path("code").asText());
            web.sendMessage(message);
            assertEquals("no-receivers", web.next("rejected").path("code").asText(), "not 'accepted' from the dedup memory");
        }
    }
}
