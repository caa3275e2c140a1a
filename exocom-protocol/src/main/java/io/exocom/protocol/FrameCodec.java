package io.exocom.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.Writer;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.exocom.protocol.ErrorCode.INVALID;

/**
 * Reads and writes the frames of PROTOCOL.md §3 and the envelope of §2, validating everything it reads.
 * Thread-safe; one instance can serve a whole process.
 *
 * <p>Every problem is reported as a {@link ProtocolException} with code {@code invalid} and a sentence that
 * names the offending field, so that a person reading a relay's log knows what to fix.
 */
public final class FrameCodec {
    private final ObjectMapper mapper;
    private final JsonFactory factory;
    /** Frames are read refusing duplicate keys (PROTOCOL.md §1): two readers must never see two messages. */
    private final ObjectReader frameReader;

    public FrameCodec() {
        this(new ObjectMapper());
    }

    public FrameCodec(ObjectMapper mapper) {
        this.mapper = mapper;
        this.factory = mapper.getFactory();
        this.frameReader = mapper.reader().with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    // ------------------------------------------------------------------ reading

    /** Parses text into a JSON object, or fails with {@code invalid}. */
    public ObjectNode parseObject(String text) {
        JsonNode node;
        try {
            node = frameReader.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(INVALID, "frame is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ProtocolException(INVALID, "frame must be a JSON object with a \"type\" field");
        }
        return object;
    }

    /** Reads a frame that a relay sends to ExoCom: register, send, ack or nack. */
    public Frame decodeRelayFrame(String text) {
        return decodeRelayFrame(parseObject(text));
    }

    public Frame decodeRelayFrame(ObjectNode frame) {
        String type = requiredString(frame, "type", "frame");
        switch (type) {
            case "register":
                return new Frame.Register(
                        requiredString(frame, "service", "register"),
                        optionalString(frame, "instance", "register"),
                        optionalString(frame, "token", "register"),
                        optionalPositiveInt(frame, "prefetch", "register"),
                        frame.hasNonNull("receives") ? optionalStringList(frame, "receives", "register") : null,
                        optionalString(frame, "protocol", "register"));
            case "closing":
                return new Frame.Closing();
            case "send": {
                JsonNode message = frame.get("message");
                if (!(message instanceof ObjectNode envelope)) {
                    throw new ProtocolException(INVALID, "send.message must be a JSON object holding the envelope",
                            idOf(message));
                }
                return new Frame.Send(decodeEnvelope(envelope, true));
            }
            case "ack":
                return new Frame.Ack(requiredId(frame, "id", "ack"));
            case "nack": {
                JsonNode requeue = frame.get("requeue");
                if (requeue != null && !requeue.isNull() && !requeue.isBoolean()) {
                    throw new ProtocolException(INVALID, "nack.requeue must be true or false");
                }
                return new Frame.Nack(requiredId(frame, "id", "nack"), requeue == null || requeue.isNull() || requeue.asBoolean(),
                        optionalString(frame, "reason", "nack"));
            }
            default:
                throw new ProtocolException(INVALID, "unknown frame type \"" + type
                        + "\": a relay sends register, send, ack, nack or closing");
        }
    }

    /** Reads a frame that ExoCom sends to a relay: registered, accepted, rejected, deliver or error. */
    public Frame decodeBrokerFrame(String text) {
        ObjectNode frame = parseObject(text);
        String type = requiredString(frame, "type", "frame");
        switch (type) {
            case "registered":
                return new Frame.Registered(requiredString(frame, "service", type), requiredString(frame, "instance", type),
                        optionalStringList(frame, "sends", type), optionalStringList(frame, "receives", type),
                        optionalString(frame, "protocol", type), frame.path("maxFrameSize").asInt(0));
            case "accepted":
                return new Frame.Accepted(requiredString(frame, "id", type), frame.path("timestamp").asLong());
            case "rejected":
                return new Frame.Rejected(optionalString(frame, "id", type), code(frame), optionalString(frame, "message", type));
            case "deliver": {
                JsonNode message = frame.get("message");
                if (!(message instanceof ObjectNode envelope)) {
                    throw new ProtocolException(INVALID, "deliver.message must be a JSON object");
                }
                return new Frame.Deliver(decodeEnvelope(envelope, true), frame.path("attempt").asInt(1));
            }
            case "error":
                return new Frame.Error(code(frame), optionalString(frame, "message", type));
            default:
                throw new ProtocolException(INVALID, "unknown frame type \"" + type + "\"");
        }
    }

    /** A code this relay does not know (a newer broker's) is {@link ErrorCode#OTHER}: the sentence still says it. */
    private static ErrorCode code(ObjectNode frame) {
        return ErrorCode.fromWireOrOther(requiredString(frame, "code", frame.path("type").asText()));
    }

    /**
     * Reads and validates an envelope (§2). {@code timestamp} and {@code sender} are read as given (ExoCom
     * overwrites them on acceptance); unknown fields are dropped.
     *
     * @param requireId whether a missing id is an error (on the WebSocket it is; over HTTP ExoCom makes one)
     */
    public Envelope decodeEnvelope(ObjectNode message, boolean requireId) {
        String id = null;
        JsonNode idNode = message.get("id");
        if (idNode != null && !idNode.isNull()) {
            if (!idNode.isTextual() || !Limits.isValidId(idNode.asText())) {
                throw new ProtocolException(INVALID, "message.id must be a string of 1-" + Limits.MAX_ID_LENGTH + " characters");
            }
            id = idNode.asText();
        } else if (requireId) {
            throw new ProtocolException(INVALID, "message.id is required: give every message a unique id (a UUID)");
        }
        try {
            JsonNode nameNode = message.get("name");
            if (nameNode == null || !nameNode.isTextual() || !Limits.isValidName(nameNode.asText())) {
                throw new ProtocolException(INVALID, "message.name must be a string of 1-" + Limits.MAX_NAME_LENGTH
                        + " characters without control characters, like \"todos.create\"");
            }
            JsonNode version = message.get("version");
            if (version != null && (version.isNull())) {
                version = null;
            }
            if (version != null && !version.isNumber() && !version.isTextual()) {
                throw new ProtocolException(INVALID, "message.version must be a number or a string");
            }
            JsonNode payload = message.get("payload");
            JsonNode finalNode = message.get("final");
            if (finalNode != null && !finalNode.isNull() && !finalNode.isBoolean()) {
                throw new ProtocolException(INVALID, "message.final must be true or false");
            }
            String responseTo = optionalIdField(message, "responseTo");
            return new Envelope(
                    nameNode.asText(),
                    version,
                    payload == null ? NullNode.getInstance() : payload,
                    id,
                    message.path("timestamp").asLong(0),
                    optionalIdField(message, "originId"),
                    responseTo,
                    optionalString(message, "sender", "message"),
                    finalNode == null || finalNode.isNull() || finalNode.asBoolean(),
                    headers(message));
        } catch (ProtocolException e) {
            throw e.withMessageId(id);
        }
    }

    private static String optionalIdField(ObjectNode message, String field) {
        JsonNode node = message.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || !Limits.isValidId(node.asText())) {
            throw new ProtocolException(INVALID, "message." + field + " must be a string of 1-" + Limits.MAX_ID_LENGTH + " characters");
        }
        return node.asText();
    }

    private static Map<String, String> headers(ObjectNode message) {
        JsonNode node = message.get("headers");
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw new ProtocolException(INVALID, "message.headers must be an object of string values");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().isTextual()) {
                throw new ProtocolException(INVALID, "message.headers." + field.getKey() + " must be a string");
            }
            headers.put(field.getKey(), field.getValue().asText());
        }
        return headers;
    }

    /** Best effort: the id of a message node, so that a rejection can name it. */
    public static String idOf(JsonNode message) {
        if (message != null && message.path("id").isTextual() && Limits.isValidId(message.path("id").asText())) {
            return message.path("id").asText();
        }
        return null;
    }

    private static String requiredString(ObjectNode frame, String field, String where) {
        JsonNode node = frame.get(field);
        if (node == null || !node.isTextual() || node.asText().isEmpty()) {
            throw new ProtocolException(INVALID, where + "." + field + " is required and must be a non-empty string");
        }
        return node.asText();
    }

    private static String requiredId(ObjectNode frame, String field, String where) {
        String id = requiredString(frame, field, where);
        if (!Limits.isValidId(id)) {
            throw new ProtocolException(INVALID, where + "." + field + " must be a string of 1-" + Limits.MAX_ID_LENGTH + " characters");
        }
        return id;
    }

    private static String optionalString(ObjectNode frame, String field, String where) {
        JsonNode node = frame.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new ProtocolException(INVALID, where + "." + field + " must be a string");
        }
        return node.asText();
    }

    private static Integer optionalPositiveInt(ObjectNode frame, String field, String where) {
        JsonNode node = frame.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 1) {
            throw new ProtocolException(INVALID, where + "." + field + " must be a whole number of at least 1");
        }
        return node.asInt();
    }

    private static List<String> optionalStringList(ObjectNode frame, String field, String where) {
        JsonNode node = frame.get(field);
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new ProtocolException(INVALID, where + "." + field + " must be a list of message names");
        }
        List<String> values = new ArrayList<>(node.size());
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                throw new ProtocolException(INVALID, where + "." + field + " must be a list of strings");
            }
            values.add(element.asText());
        }
        return values;
    }

    // ------------------------------------------------------------------ writing

    /** Writes any frame as one JSON text. */
    public String encode(Frame frame) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("type", frame.type());
            if (frame instanceof Frame.Register r) {
                g.writeStringField("service", r.service());
                writeOptional(g, "instance", r.instance());
                writeOptional(g, "token", r.token());
                if (r.prefetch() != null) {
                    g.writeNumberField("prefetch", r.prefetch());
                }
                if (r.receives() != null) {
                    writeList(g, "receives", r.receives());
                }
                writeOptional(g, "protocol", r.protocol());
            } else if (frame instanceof Frame.Send s) {
                g.writeFieldName("message");
                writeEnvelope(g, s.message());
            } else if (frame instanceof Frame.Ack a) {
                g.writeStringField("id", a.id());
            } else if (frame instanceof Frame.Nack n) {
                g.writeStringField("id", n.id());
                g.writeBooleanField("requeue", n.requeue());
                writeOptional(g, "reason", n.reason());
            } else if (frame instanceof Frame.Registered r) {
                g.writeStringField("service", r.service());
                g.writeStringField("instance", r.instance());
                writeList(g, "sends", r.sends());
                writeList(g, "receives", r.receives());
                g.writeStringField("protocol", r.protocol());
                if (r.maxFrameSize() > 0) {
                    g.writeNumberField("maxFrameSize", r.maxFrameSize());
                }
            } else if (frame instanceof Frame.Accepted a) {
                g.writeStringField("id", a.id());
                g.writeNumberField("timestamp", a.timestamp());
            } else if (frame instanceof Frame.Rejected r) {
                writeOptional(g, "id", r.id());
                g.writeStringField("code", r.code().wire());
                g.writeStringField("message", r.message());
            } else if (frame instanceof Frame.Error e) {
                g.writeStringField("code", e.code().wire());
                g.writeStringField("message", e.message());
            } else if (frame instanceof Frame.Deliver d) {
                g.writeNumberField("attempt", d.attempt());
                g.writeFieldName("message");
                writeEnvelope(g, d.message());
            }
            g.writeEndObject();
        });
    }

    /** Writes an envelope as JSON, with only the fields of §2 that are set. */
    public String encodeEnvelope(Envelope envelope) {
        return write(g -> writeEnvelope(g, envelope));
    }

    private void writeEnvelope(JsonGenerator g, Envelope m) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", m.name());
        if (m.version() != null) {
            g.writeFieldName("version");
            mapper.writeTree(g, m.version());
        }
        g.writeFieldName("payload");
        mapper.writeTree(g, m.payload());
        writeFieldsAfterPayload(g, m);
        g.writeEndObject();
    }

    private static void writeFieldsAfterPayload(JsonGenerator g, Envelope m) throws IOException {
        writeOptional(g, "id", m.id());
        if (m.timestamp() != 0) {
            g.writeNumberField("timestamp", m.timestamp());
        }
        writeOptional(g, "originId", m.originId());
        writeOptional(g, "responseTo", m.responseTo());
        writeOptional(g, "sender", m.sender());
        if (m.isReply()) {
            g.writeBooleanField("final", m.isFinal());
        }
        if (!m.headers().isEmpty()) {
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> header : m.headers().entrySet()) {
                g.writeStringField(header.getKey(), header.getValue());
            }
            g.writeEndObject();
        }
    }

    private static void writeOptional(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value);
        }
    }

    private static void writeList(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String value : values) {
            g.writeString(value);
        }
        g.writeEndArray();
    }

    private interface GeneratorWork {
        void writeTo(JsonGenerator generator) throws IOException;
    }

    private String write(GeneratorWork work) {
        return write(256, work);
    }

    /** @param sizeHint the expected length, so that the text is not copied while it grows */
    private String write(int sizeHint, GeneratorWork work) {
        TextWriter out = new TextWriter(sizeHint);
        try (JsonGenerator generator = factory.createGenerator(out)) {
            work.writeTo(generator);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** A {@link java.io.StringWriter} without its lock: each one is used by a single thread. */
    private static final class TextWriter extends Writer {
        private final StringBuilder text;

        TextWriter(int capacity) {
            text = new StringBuilder(capacity);
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            text.append(chars, offset, length);
        }

        @Override
        public void write(String string, int offset, int length) {
            text.append(string, offset, offset + length);
        }

        @Override
        public void write(int c) {
            text.append((char) c);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
