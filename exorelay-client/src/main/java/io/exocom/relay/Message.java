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
 * Immutable. Its payload stays the JSON text it arrived as until {@link #payload()} or {@link #payloadAs(Class)}
 * asks for a tree or a class: a service that passes payloads on, or reads only some messages, pays for no parse.
 */
public final class Message {
    private final String name;
    private final JsonNode version;
    private final String id;
    private final long timestamp;
    private final String originId;
    private final String responseTo;
    private final String sender;
    private final boolean isFinal;
    private final Map<String, String> headers;
    private final int attempt;
    private final ObjectMapper mapper;
    /** The payload as it arrived; null when the message was made from an {@link Envelope} (a tree already). */
    private final String payloadJson;
    private volatile JsonNode payload;
    private volatile Envelope envelope;

    /**
     * @param envelope the message as delivered
     * @param attempt  the delivery attempt, counting from 1
     * @param mapper   reads the payload into classes in {@link #payloadAs(Class)}
     */
    public Message(Envelope envelope, int attempt, ObjectMapper mapper) {
        Objects.requireNonNull(envelope, "envelope");
        this.name = envelope.name();
        this.version = envelope.version();
        this.id = envelope.id();
        this.timestamp = envelope.timestamp();
        this.originId = envelope.originId();
        this.responseTo = envelope.responseTo();
        this.sender = envelope.sender();
        this.isFinal = envelope.isFinal();
        this.headers = envelope.headers();
        this.attempt = attempt;
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.payloadJson = null;
        this.payload = envelope.payload();
        this.envelope = envelope;
    }

    /** A delivered message as the relay's frame reader found it, its payload still the text it arrived as. */
    Message(String name, JsonNode version, String payloadJson, String id, long timestamp, String originId,
            String responseTo, String sender, boolean isFinal, Map<String, String> headers, int attempt,
            ObjectMapper mapper) {
        this.name = Objects.requireNonNull(name, "name");
        this.version = version;
        this.payloadJson = Objects.requireNonNull(payloadJson, "payloadJson");
        this.id = id;
        this.timestamp = timestamp;
        this.originId = originId;
        this.responseTo = responseTo;
        this.sender = sender;
        this.isFinal = isFinal;
        this.headers = headers == null ? Map.of() : Map.copyOf(headers);
        this.attempt = attempt;
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /** What the message is, in the domain's words, e.g. {@code todos.create}; for a reply, its outcome. */
    public String name() {
        return name;
    }

    /** The payload as a JSON tree; a JSON {@code null} node when the message has none. Parsed on first use. */
    public JsonNode payload() {
        JsonNode tree = payload;
        if (tree == null) {
            try {
                tree = mapper.readTree(payloadJson);
            } catch (JsonProcessingException e) {
                // The frame reader checked the text was one JSON value: this is a mapper that refuses it.
                throw new IllegalArgumentException("the payload of " + describe() + " cannot be read: "
                        + e.getOriginalMessage(), e);
            }
            payload = tree;
        }
        return tree;
    }

    /** The payload as the JSON text it arrived as ({@code null} when the message has none); no parse needed. */
    public String payloadJson() {
        String text = payloadJson;
        if (text == null) {
            try {
                text = mapper.writeValueAsString(payload);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return text;
    }

    /**
     * The payload read into a class of the service's own (a record, a POJO, a {@code List}...), straight from its
     * text when no tree was made.
     *
     * @throws IllegalArgumentException when the payload does not fit that class; the sentence says why
     */
    public <T> T payloadAs(Class<T> type) {
        try {
            JsonNode tree = payload;
            return tree != null ? mapper.treeToValue(tree, type) : mapper.readValue(payloadJson, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the payload of " + describe() + " does not fit "
                    + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** The payload read into a generic type, e.g. {@code new TypeReference<List<Todo>>() {}}. */
    public <T> T payloadAs(TypeReference<T> type) {
        try {
            JsonNode tree = payload;
            return tree != null ? mapper.readerFor(type).readValue(tree) : mapper.readerFor(type).readValue(payloadJson);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the payload of " + describe() + " does not fit " + type.getType()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The unique id of this message. */
    public String id() {
        return id;
    }

    /** The id of the activity that caused this message; messages sent while handling this one carry it too. */
    public String originId() {
        return originId;
    }

    /** For a reply, the id of the command it answers; null for commands and events. */
    public String responseTo() {
        return responseTo;
    }

    /** True when this message is a reply to a command. */
    public boolean isReply() {
        return responseTo != null;
    }

    /** For a reply: false when more replies to the same command follow (a streaming reply). */
    public boolean isFinal() {
        return isFinal;
    }

    /** The registered name of the service that sent it, as ExoCom vouches. */
    public String sender() {
        return sender;
    }

    /** The API version the sender gave (a number or text node), or null. */
    public JsonNode version() {
        return version;
    }

    /** The sender's headers, e.g. {@code traceparent}; never null. */
    public Map<String, String> headers() {
        return headers;
    }

    /** When ExoCom accepted the message, in unix nanoseconds. */
    public long timestamp() {
        return timestamp;
    }

    /** The delivery attempt, counting from 1; more than 1 when ExoCom delivers it again. */
    public int attempt() {
        return attempt;
    }

    /** The message as it travelled, as the shared protocol model has it (this parses the payload). */
    public Envelope envelope() {
        Envelope made = envelope;
        if (made == null) {
            made = new Envelope(name, version, payload(), id, timestamp, originId, responseTo, sender, isFinal, headers);
            envelope = made;
        }
        return made;
    }

    private String describe() {
        return "\"" + name() + "\" (id " + id() + ")";
    }

    @Override
    public String toString() {
        return "Message[" + name() + " id=" + id() + (isReply() ? " responseTo=" + responseTo() : "")
                + " sender=" + sender() + " payload=" + abbreviated(payloadJson()) + "]";
    }

    private static String abbreviated(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }
}
