package io.exocom.relay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.Envelope;

import java.util.Map;
import java.util.Objects;

/**
 * A message that ExoCom delivered to this service: a command or event for a handler, or a reply.
 * Immutable.
 */
public final class Message {
    private final Envelope envelope;
    private final int attempt;
    private final ObjectMapper mapper;

    /**
     * @param envelope the message as delivered
     * @param attempt  the delivery attempt, counting from 1
     * @param mapper   reads the payload into classes in {@link #payloadAs(Class)}
     */
    public Message(Envelope envelope, int attempt, ObjectMapper mapper) {
        this.envelope = Objects.requireNonNull(envelope, "envelope");
        this.attempt = attempt;
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /** What the message is, in the domain's words, e.g. {@code todos.create}; for a reply, its outcome. */
    public String name() {
        return envelope.name();
    }

    /** The payload as a JSON tree; a JSON {@code null} node when the message has none. */
    public JsonNode payload() {
        return envelope.payload();
    }

    /**
     * The payload read into a class of the service's own (a record, a POJO, a {@code List}...).
     *
     * @throws IllegalArgumentException when the payload does not fit that class; the sentence says why
     */
    public <T> T payloadAs(Class<T> type) {
        try {
            return mapper.treeToValue(envelope.payload(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the payload of " + describe() + " does not fit "
                    + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** The payload read into a generic type, e.g. {@code new TypeReference<List<Todo>>() {}}. */
    public <T> T payloadAs(TypeReference<T> type) {
        try {
            return mapper.readerFor(type).readValue(envelope.payload());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the payload of " + describe() + " does not fit " + type.getType()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The unique id of this message. */
    public String id() {
        return envelope.id();
    }

    /** The id of the activity that caused this message; messages sent while handling this one carry it too. */
    public String originId() {
        return envelope.originId();
    }

    /** For a reply, the id of the command it answers; null for commands and events. */
    public String responseTo() {
        return envelope.responseTo();
    }

    /** True when this message is a reply to a command. */
    public boolean isReply() {
        return envelope.isReply();
    }

    /** For a reply: false when more replies to the same command follow (a streaming reply). */
    public boolean isFinal() {
        return envelope.isFinal();
    }

    /** The registered name of the service that sent it, as ExoCom vouches. */
    public String sender() {
        return envelope.sender();
    }

    /** The API version the sender gave (a number or text node), or null. */
    public JsonNode version() {
        return envelope.version();
    }

    /** The sender's headers, e.g. {@code traceparent}; never null. */
    public Map<String, String> headers() {
        return envelope.headers();
    }

    /** When ExoCom accepted the message, in unix nanoseconds. */
    public long timestamp() {
        return envelope.timestamp();
    }

    /** The delivery attempt, counting from 1; more than 1 when ExoCom delivers it again. */
    public int attempt() {
        return attempt;
    }

    /** The message as it travelled. */
    public Envelope envelope() {
        return envelope;
    }

    private String describe() {
        return "\"" + name() + "\" (id " + id() + ")";
    }

    @Override
    public String toString() {
        return "Message[" + name() + " id=" + id() + (isReply() ? " responseTo=" + responseTo() : "")
                + " sender=" + sender() + " payload=" + payload() + "]";
    }
}
