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

    @Test
    void aRetriedCreateWithTheSameRequestIdAddsNothing() {
        MockExoRelay.Handling first = relay.receive("todos.create", Map.of("text", "buy milk", "requestId", "r-1"));
        MockExoRelay.Handling retry = relay.receive("todos.create", Map.of("text", "buy milk", "requestId", "r-1"));
        assertEquals("todos.created", first.outcome());
        assertEquals("todos.created", retry.outcome(), "a retry gets the outcome of the first create");
        assertEquals(first.reply().payloadAs(Todo.class), retry.reply().payloadAs(Todo.class));
        assertEquals(1, relay.receive("todos.list", null).reply().payload().size(), "added once");

        relay.receive("todos.create", Map.of("text", "buy milk", "requestId", "r-2"));
        assertEquals(2, relay.receive("todos.list", null).reply().payload().size(), "another request adds another");
    }

    @Test
    void withoutRequestIdEveryCreateAdds() {
        relay.receive("todos.create", Map.of("text", "buy milk"));
        relay.receive("todos.create", Map.of("text", "buy milk"));
        assertEquals(2, relay.receive("todos.list", null).reply().payload().size());
    }

    @Test
    void aRequestIdThatIsNoIdIsInvalidAndAddsNothing() {
        for (Object requestId : new Object[]{42, "", "r".repeat(TodosService.MAX_REQUEST_ID + 1), Map.of("id", 1)}) {
            MockExoRelay.Handling invalid = relay.receive("todos.create", Map.of("text", "buy milk", "requestId", requestId));
            assertEquals("todos.invalid", invalid.outcome(), "requestId " + requestId);
            String problem = invalid.reply().payload().path("problem").asText();
            assertTrue(problem.contains("requestId must be a text of 1 to " + TodosService.MAX_REQUEST_ID + " characters"),
                    problem);
        }
        assertEquals(0, relay.receive("todos.list", null).reply().payload().size());
    }
}
