package io.exocom.relay;

import io.exocom.protocol.ErrorCode;
import io.exocom.relay.testing.MockExoRelay;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test aid that service authors use: handlers driven without a broker. */
class MockExoRelayTest {

    record Transfer(int amount) {
    }

    private static void accounts(Messaging relay) {
        relay.on("transfer.make", (message, context) -> {
            Transfer transfer = message.payloadAs(Transfer.class);
            if (transfer.amount() > 100) {
                context.reply("transfer.insufficient-funds", Map.of("missing", transfer.amount() - 100));
            } else {
                context.send("audit.log", Map.of("amount", transfer.amount()));
                context.reply("transfer.done", null);
            }
        });
        relay.on("broken.thing", (message, context) -> {
            throw new IllegalStateException("disk full");
        });
    }

    @Test
    void tellsTheOutcomeOfAHandledCommand() {
        MockExoRelay relay = new MockExoRelay("accounts");
        accounts(relay);
        MockExoRelay.Handling poor = relay.receive("transfer.make", new Transfer(150));
        assertEquals("transfer.insufficient-funds", poor.outcome());
        assertEquals(50, poor.reply().payload().path("missing").asInt());
        assertTrue(poor.acked());

        MockExoRelay.Handling done = relay.receive("transfer.make", new Transfer(20));
        assertEquals("transfer.done", done.outcome());
        assertEquals(1, done.sent().size());
        Message audit = done.sent().get(0);
        assertEquals("audit.log", audit.name());
        assertEquals(done.message().originId(), audit.originId(), "sends inside a handler carry its originId");
    }

    @Test
    void aFailingOrMissingHandlerIsNacked() {
        MockExoRelay relay = new MockExoRelay("accounts");
        accounts(relay);
        MockExoRelay.Handling broken = relay.receive("broken.thing", null);
        assertFalse(broken.acked());
        assertEquals("disk full", broken.failure().getMessage());
        assertFalse(relay.receive("nobody.handles", null).acked());
    }

    @Test
    void scriptsTheServicesThatAreAsked() {
        MockExoRelay relay = new MockExoRelay("web")
                .answer("todos.list", "todos.listed", List.of("milk"))
                .answer("file.read", (command, context) -> {
                    context.replyPartial("file.read-chunk", "ab");
                    context.replyPartial("file.read-chunk", "cd");
                    context.reply("file.read-done", 4);
                })
                .reject("secrets.steal", ErrorCode.FORBIDDEN);

        Reply listed = relay.request("todos.list", null).toCompletableFuture().join();
        assertEquals("todos.listed", listed.outcome());
        assertEquals("milk", listed.payload().get(0).asText());

        List<String> seen = new ArrayList<>();
        Reply done = relay.stream("file.read", null, Duration.ofSeconds(1), reply -> seen.add(reply.outcome()))
                .toCompletableFuture().join();
        assertEquals(List.of("file.read-chunk", "file.read-chunk", "file.read-done"), seen);
        assertEquals(4, done.payload().asInt());

        CompletionException rejected = assertThrows(CompletionException.class,
                () -> relay.send("secrets.steal", null).toCompletableFuture().join());
        assertEquals(ErrorCode.FORBIDDEN, assertInstanceOf(ExoComRejectedException.class, rejected.getCause()).code());
        assertEquals(List.of("todos.list", "file.read"), relay.sent().stream().map(Message::name).toList());
    }
}
