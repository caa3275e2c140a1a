package io.exocom.examples.todo.todos;

import com.fasterxml.jackson.databind.JsonNode;
import io.exocom.relay.ExoRelay;
import io.exocom.relay.Messaging;

import java.util.Map;

/**
 * The todos service: keeps the todo list and answers, in the domain's words,
 * <ul>
 *   <li>{@code todos.list} with {@code todos.listed} (the entries),</li>
 *   <li>{@code todos.create} ({@code {"text": ...}}) with {@code todos.created} (the new entry), or with
 *   {@code todos.invalid} ({@code {"problem": ...}}) when the text is empty or too long.</li>
 * </ul>
 * The relay makes handling idempotent: a redelivered {@code todos.create} is not added twice.
 */
public final class TodosService {
    /** Longest text of a todo, in characters. */
    public static final int MAX_TEXT = 200;

    private TodosService() {
    }

    /** Registers the handlers on any {@link Messaging}: the real relay, or a MockExoRelay in tests. */
    public static void register(Messaging relay, TodoStore store) {
        relay.on("todos.list", (message, context) -> context.reply("todos.listed", store.all()));
        relay.on("todos.create", (message, context) -> {
            JsonNode text = message.payload().path("text");
            String problem = problemWith(text);
            if (problem != null) {
                context.reply("todos.invalid", Map.of("problem", problem));
                return;
            }
            context.reply("todos.created", store.add(text.asText().strip()));
        });
    }

    private static String problemWith(JsonNode text) {
        if (!text.isTextual() || text.asText().isBlank()) {
            return "A todo needs a text: what is there to do?";
        }
        if (text.asText().strip().length() > MAX_TEXT) {
            return "A todo's text can be at most " + MAX_TEXT + " characters long.";
        }
        return null;
    }

    /** Runs the service: configured by SERVICE_NAME (todos), EXOCOM_HOST and EXOCOM_PORT. */
    public static void main(String[] args) {
        ExoRelay relay = ExoRelay.fromEnvironment();
        register(relay, new TodoStore());
        Runtime.getRuntime().addShutdownHook(new Thread(relay::close, "todos-shutdown"));
        relay.onOnline(() -> System.out.println("todos service online"));
        relay.start();
    }
}
