package io.exocom.examples.todo.todos;

import io.exocom.relay.testing.MockExoRelay;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The todos service's handlers, without a broker: given this message, it replies with that outcome. */
class TodosServiceTest {
    private MockExoRelay relay;

    @BeforeEach
    void register() {
        relay = new MockExoRelay("todos");
        TodosService.register(relay, new TodoStore());
    }

    @Test
    void createsATodoAndListsIt() {
        MockExoRelay.Handling created = relay.receive("todos.create", Map.of("text", "  buy milk "));
        assertEquals("todos.created", created.outcome());
        assertEquals("buy milk", created.reply().payloadAs(Todo.class).text());

        MockExoRelay.Handling listed = relay.receive("todos.list", null);
        assertEquals("todos.listed", listed.outcome());
        assertEquals("buy milk", listed.reply().payload().get(0).path("text").asText());
    }

    @Test
    void anEmptyTextIsInvalidAndAddsNothing() {
        MockExoRelay.Handling invalid = relay.receive("todos.create", Map.of("text", "   "));
        assertEquals("todos.invalid", invalid.outcome());
        assertTrue(invalid.reply().payload().path("problem").asText().contains("needs a text"));
        assertTrue(invalid.acked(), "an invalid command is handled: it gets an answer, not a redelivery");
        assertEquals(0, relay.receive("todos.list", null).reply().payload().size());
    }

    @Test
    void aTooLongTextIsInvalid() {
        String text = "x".repeat(TodosService.MAX_TEXT + 1);
        assertEquals("todos.invalid", relay.receive("todos.create", Map.of("text", text)).outcome());
    }
}
