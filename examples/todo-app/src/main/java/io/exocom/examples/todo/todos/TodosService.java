package io.exocom.examples.todo.todos;

import com.fasterxml.jackson.databind.JsonNode;
import io.exocom.relay.ExoRelay;
import io.exocom.relay.Messaging;

import java.util.Map;

/**
 * The todos service: keeps the todo list and answers, in the domain's words,
 * <ul>
 *   <li>{@code todos.list} with {@code todos.listed} (the entries),</li>
 *   <li>{@code todos.create} ({@code {"text": ..., "requestId": ...}}) with {@code todos.created} (the new entry),
 *   or with {@code todos.invalid} ({@code {"problem": ...}}) when the text is empty or too long or the request id
 *   is not an id.</li>
 * </ul>
 * Creating is idempotent by {@code requestId}: a create whose request id already added a todo is answered
 * {@code todos.created} with that todo and adds nothing (a person's retry is a new message, which the relay's
 * de-duplication of redeliveries does not catch). Without a request id every create adds a todo.
 */
public final class TodosService {
    /** Longest text of a todo, in characters. */
    public static final int MAX_TEXT = 200;
    /** Longest request id, in characters (a UUID has 36). */
    public static final int MAX_REQUEST_ID = 128;

    private TodosService() {
    }

    /** Registers the handlers on any {@link Messaging}: the real relay, or a MockExoRelay in tests. */
    public static void register(Messaging relay, TodoStore store) {
        relay.on("todos.list", (message, context) -> context.reply("todos.listed", store.all()));
        relay.on("todos.create", (message, context) -> {
            JsonNode text = message.payload().path("text");
            JsonNode requestId = message.payload().path("requestId");
            String problem = problemWithText(text);
            if (problem == null) {
                problem = problemWithRequestId(requestId);
            }
            if (problem != null) {
                context.reply("todos.invalid", Map.of("problem", problem));
                return;
            }
            context.reply("todos.created", store.add(isAbsent(requestId) ? null : requestId.asText(),
                    text.asText().strip()));
        });
    }

    private static String problemWithText(JsonNode text) {
        if (!text.isTextual() || text.asText().isBlank()) {
            return "A todo needs a text: what is there to do?";
        }
        if (text.asText().strip().length() > MAX_TEXT) {
            return "A todo's text can be at most " + MAX_TEXT + " characters long.";
        }
        return null;
    }

    private static String problemWithRequestId(JsonNode requestId) {
        if (isAbsent(requestId)) {
            return null;
        }
        String expected = "A todo's requestId must be a text of 1 to " + MAX_REQUEST_ID + " characters";
        if (!requestId.isTextual()) {
            return expected + ", not " + requestId.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + ".";
        }
        int length = requestId.asText().length();
        if (length == 0 || length > MAX_REQUEST_ID) {
            return expected + ", not one of " + length + ".";
        }
        return null;
    }

    private static boolean isAbsent(JsonNode field) {
        return field.isMissingNode() || field.isNull();
    }

    /** Runs the service: configured by SERVICE_NAME (todos), EXOCOM_HOST and EXOCOM_PORT. */
    public static void main(String[] args) {
        ExoRelay relay;
        try {
            relay = ExoRelay.fromEnvironment();
        } catch (IllegalArgumentException e) {
            System.err.println("todos: " + e.getMessage());
            System.exit(2);
            return;
        }
        register(relay, new TodoStore());
        Runtime.getRuntime().addShutdownHook(new Thread(relay::close, "todos-shutdown"));
        relay.onOnline(() -> System.out.println("todos service online"));
        relay.start().whenComplete((registered, refused) -> {
            if (refused != null) {
                // the relay keeps trying: routes and tokens can change while it runs
                System.err.println("todos: ExoCom refused the todos service, trying again: " + refused.getMessage());
            }
        });
    }
}
