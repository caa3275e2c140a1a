package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PROTOCOL.md §4.4–4.5: replies go back to the asker; streaming replies; correlations end. */
@QuarkusTest
@TestProfile(RoutedProfile.class)
class ReplyTest extends BrokerTestSupport {

    @Test
    void aReplyReachesOnlyTheAskingInstance() throws Exception {
        try (WsRelay asker1 = WsRelay.register(ws(), "asker", "asker-only-1");
             WsRelay asker2 = WsRelay.register(ws(), "asker", "asker-only-2");
             WsRelay calc = WsRelay.register(ws(), "calc", "calc-only")) {
            String command = asker2.command("calc.run", Map.of("a", 2, "b", 3));
            JsonNode delivered = calc.delivery();
            calc.ack(command);
            JsonNode answer = calc.reply(command, "calc.done", 5, null);
            assertEquals("accepted", answer.path("type").asText(), answer.toString());
            JsonNode reply = asker2.delivery();
            assertDeliver(reply, "calc.done", 1);
            assertEquals(command, reply.path("message").path("responseTo").asText());
            assertEquals("calc", reply.path("message").path("sender").asText());
            assertEquals(delivered.path("message").path("originId").asText(), command);
            assertTrue(reply.path("message").path("final").asBoolean());
            asker2.ack(idOf(reply));
            asker1.expectNothing(Duration.ofMillis(400), "deliver");
        }
    }

    @Test
    void whenTheAskerIsGoneTheReplyGoesToAnotherInstanceOfItsService() throws Exception {
        try (WsRelay survivor = WsRelay.register(ws(), "asker", "asker-survivor");
             WsRelay calc = WsRelay.register(ws(), "calc", "calc-survivor")) {
            WsRelay asker = WsRelay.register(ws(), "asker", "asker-gone");
            String command = asker.command("calc.run", 1);
            calc.ack(idOf(calc.delivery()));
            asker.close();
            await("the asker to be unregistered", Duration.ofSeconds(5),
                    () -> !io.restassured.RestAssured.get("/services").asString().contains("asker-gone"));
            assertEquals("accepted", calc.reply(command, "calc.done", 1, null).path("type").asText());
            JsonNode reply = survivor.delivery();
            assertEquals(command, reply.path("message").path("responseTo").asText());
            survivor.ack(idOf(reply));
        }
    }

    @Test
    void whenNoAskerInstanceIsLeftTheReplyWaitsInItsServicesQueue() throws Exception {
        try (WsRelay calc = WsRelay.register(ws(), "calc", "calc-queue")) {
            String command;
            try (WsRelay asker = WsRelay.register(ws(), "asker", "asker-leaving")) {
                command = asker.command("calc.run", 1);
                calc.ack(idOf(calc.delivery()));
            }
            await("no asker instance", Duration.ofSeconds(5),
                    () -> !io.restassured.RestAssured.get("/services").asString().contains("asker-leaving"));
            assertEquals("accepted", calc.reply(command, "calc.done", 1, null).path("type").asText());
            try (WsRelay later = WsRelay.register(ws(), "asker", "asker-later", 1)) {
                JsonNode reply = later.delivery();
                assertEquals(command, reply.path("message").path("responseTo").asText());
                later.ack(idOf(reply));
            }
        }
    }

    @Test
    void aStreamingReplyDeliversEveryPartAndEndsWithTheFinalOne() throws Exception {
        try (WsRelay asker = WsRelay.register(ws(), "asker", "asker-stream");
             WsRelay calc = WsRelay.register(ws(), "calc", "calc-stream")) {
            String command = asker.command("calc.run", "big");
            calc.ack(idOf(calc.delivery()));
            for (int percent : new int[]{25, 50, 75}) {
                assertEquals("accepted", calc.reply(command, "calc.progress", percent, false).path("type").asText());
            }
            assertEquals("accepted", calc.reply(command, "calc.done", 100, true).path("type").asText());
            for (int percent : new int[]{25, 50, 75}) {
                JsonNode part = asker.delivery().path("message");
                assertEquals("calc.progress", part.path("name").asText());
                assertEquals(percent, part.path("payload").asInt());
                assertFalse(part.path("final").asBoolean());
                asker.ack(part.path("id").asText());
            }
            JsonNode last = asker.delivery().path("message");
            assertEquals("calc.done", last.path("name").asText());
            assertTrue(last.path("final").asBoolean());
            asker.ack(last.path("id").asText());

            JsonNode late = calc.reply(command, "calc.progress", 101, false);
            assertEquals("rejected", late.path("type").asText());
            assertEquals("unknown-command", late.path("code").asText(), "no reply after the final one: " + late);
        }
    }

    @Test
    void aReplyToACommandTheServiceNeverReceivedIsRefused() throws Exception {
        try (WsRelay calc = WsRelay.register(ws(), "calc", "calc-unknown");
             WsRelay todos = WsRelay.register(ws(), "todos", "todos-unknown");
             WsRelay asker = WsRelay.register(ws(), "asker", "asker-unknown")) {
            JsonNode made_up = calc.reply(UUID.randomUUID().toString(), "calc.done", null, null);
            assertEquals("unknown-command", made_up.path("code").asText(), made_up.toString());
            // a command delivered to calc cannot be answered by todos
            String command = asker.command("calc.run", 1);
            calc.ack(idOf(calc.delivery()));
            JsonNode stolen = todos.reply(command, "todos.listed", null, null);
            assertEquals("unknown-command", stolen.path("code").asText(), stolen.toString());
            // nor may calc answer with an outcome its routes do not grant
            JsonNode forbidden = calc.reply(command, "todos.listed", null, null);
            assertEquals("forbidden", forbidden.path("code").asText(), forbidden.toString());
            assertEquals("accepted", calc.reply(command, "calc.done", 1, null).path("type").asText());
            asker.ack(idOf(asker.delivery()));
        }
    }

    @Test
    void aCorrelationEndsAfterTheReplyWindow() throws Exception {
        try (WsRelay asker = WsRelay.register(ws(), "asker", "asker-window");
             WsRelay calc = WsRelay.register(ws(), "calc", "calc-window")) {
            String command = asker.command("calc.run", 1);
            calc.ack(idOf(calc.delivery()));
            Thread.sleep(3500); // the reply window is 3 s in this profile
            JsonNode late = calc.reply(command, "calc.done", 1, null);
            assertEquals("unknown-command", late.path("code").asText(), late.toString());
            assertTrue(late.path("message").asText().contains("window"), late.toString());
        }
    }

    @Test
    void aHandlerAwaitingItsOwnRequestStillGetsTheReplyWithAFullPrefetch() throws Exception {
        // asker has prefetch 1 and does not ack the first reply before the second must arrive
        try (WsRelay asker = WsRelay.register(ws(), "asker", "asker-deadlock", 1);
             WsRelay calc = WsRelay.register(ws(), "calc", "calc-deadlock")) {
            String first = asker.command("calc.run", 1);
            String second = asker.command("calc.run", 2);
            calc.ack(idOf(calc.delivery()));
            calc.ack(idOf(calc.delivery()));
            calc.reply(first, "calc.progress", 1, false);
            calc.reply(second, "calc.done", 2, null);
            JsonNode r1 = asker.delivery();
            JsonNode r2 = asker.delivery(); // replies do not count against prefetch
            assertEquals(2, Math.max(r1.path("message").path("payload").asInt(), r2.path("message").path("payload").asInt()));
            asker.ack(idOf(r1));
            asker.ack(idOf(r2));
        }
    }
}
