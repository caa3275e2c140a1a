package io.exocom.relay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Objects;

/**
 * A reply to a command this service sent. Its {@link #outcome()} names what happened, in the domain's words,
 * and is meant to be switched on:
 * <pre>{@code
 * Reply reply = relay.request("todos.create", todo, Duration.ofSeconds(5)).toCompletableFuture().join();
 * switch (reply.outcome()) {
 *     case "todos.created" -> show(reply.payloadAs(Todo.class));
 *     case "todos.invalid" -> complain(reply.payload().path("problem").asText());
 *     default -> throw new IllegalStateException("unexpected outcome " + reply.outcome());
 * }
 * }</pre>
 */
public final class Reply {
    private final Message message;

    public Reply(Message message) {
        this.message = Objects.requireNonNull(message, "message");
    }

    /** The outcome: the reply's message name, e.g. {@code todos.created}. */
    public String outcome() {
        return message.name();
    }

    /** True when the outcome is {@code outcome}. */
    public boolean is(String outcome) {
        return message.name().equals(outcome);
    }

    /** The payload as a JSON tree. */
    public JsonNode payload() {
        return message.payload();
    }

    /** The payload read into a class of the service's own. */
    public <T> T payloadAs(Class<T> type) {
        return message.payloadAs(type);
    }

    /** The payload read into a generic type. */
    public <T> T payloadAs(TypeReference<T> type) {
        return message.payloadAs(type);
    }

    /** False for the intermediate replies of a streaming reply; true for the last one. */
    public boolean isFinal() {
        return message.isFinal();
    }

    /** The service that replied. */
    public String sender() {
        return message.sender();
    }

    /** The reply as a whole message (id, originId, headers...). */
    public Message message() {
        return message;
    }

    @Override
    public String toString() {
        return "Reply[" + outcome() + (isFinal() ? "" : " (more follow)") + " payload=" + payload() + "]";
    }
}
