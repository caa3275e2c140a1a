package io.exocom.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.util.RawValue;

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

    public FrameCodec() {
        this(new ObjectMapper());
    }

    public FrameCodec(ObjectMapper mapper) {
        this.mapper = mapper;
        this.factory = mapper.getFactory();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    // ------------------------------------------------------------------ reading

    /** Parses text into a JSON object, or fails with {@code invalid}. */
    public ObjectNode parseObject(String text) {
        JsonNode node;
        try {
            node = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(INVALID, "frame is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ProtocolException(INVALID, "frame must be a JSON object with a \"type\" field");
        }
        return object;
    }

    /**
     * Parses a frame like {@link #parseObject(String)}, except that the {@code payload} of a {@code message} object
     * is kept as the JSON text it arrived as: checked to be well-formed, but neither decoded nor encoded again. A
     * broker that only passes payloads on then copies each one once instead of building and re-encoding a tree of
     * it. Such a payload is a {@link POJONode} holding a {@link RawValue}, which Jackson writes back verbatim; a
     * {@code null} payload stays {@link NullNode}.
     */
    public ObjectNode parseObjectKeepingPayload(String text) {
        try (JsonParser parser = factory.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return parseObject(text); // not an object: the usual answer
            }
            ObjectNode frame = mapper.createObjectNode();
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (value == JsonToken.START_OBJECT && "message".equals(field)) {
                    frame.set(field, readMessageKeepingPayload(parser, text));
                } else {
                    frame.set(field, readValue(parser, value));
                }
            }
            if (token != JsonToken.END_OBJECT) {
                return parseObject(text);
            }
            return frame;
        } catch (IOException | RuntimeException malformed) {
            return parseObject(text); // throws the usual, precise complaint (or parses what this reader could not)
        }
    }

    private ObjectNode readMessageKeepingPayload(JsonParser parser, String text) throws IOException {
        ObjectNode message = mapper.createObjectNode();
        JsonToken token = parser.nextToken();
        while (token == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            if (!"payload".equals(field) || value == JsonToken.VALUE_NULL || value == null) {
                message.set(field, readValue(parser, value));
                token = parser.nextToken();
                continue;
            }
            int start = (int) parser.currentTokenLocation().getCharOffset();
            if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                parser.skipChildren();
            }
            token = parser.nextToken(); // skips a string without decoding it
            if (token == null || start < 0) {
                throw new IOException("message ends inside its payload");
            }
            int end = (int) parser.currentTokenLocation().getCharOffset();
            message.set(field, new POJONode(new RawValue(valueText(text, start, end))));
        }
        if (token != JsonToken.END_OBJECT) {
            throw new IOException("message is not a complete object");
        }
        return message;
    }

    /**
     * The value at the parser's current token. Strings, booleans and null, which is what frames and envelopes are
     * mostly made of, become nodes directly: {@code mapper.readTree} would set up a deserialization for each one.
     */
    private JsonNode readValue(JsonParser parser, JsonToken value) throws IOException {
        if (value == null) {
            throw new IOException("frame ends early");
        }
        return switch (value) {
            case VALUE_STRING -> TextNode.valueOf(parser.getText());
            case VALUE_TRUE -> BooleanNode.TRUE;
            case VALUE_FALSE -> BooleanNode.FALSE;
            case VALUE_NULL -> NullNode.getInstance();
            default -> mapper.readTree(parser);
        };
    }

    /** The text of a value from its first character to the next token, without the separator between them. */
    private static String valueText(String text, int start, int nextToken) {
        int end = nextToken;
        while (end > start && (Character.isWhitespace(text.charAt(end - 1)) || text.charAt(end - 1) == ',')) {
            end--;
        }
        return text.substring(start, end);
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
                        optionalStringList(frame, "receives", "register"));
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
                        + "\": a relay sends register, send, ack or nack");
        }
    }

    /** Reads a frame that ExoCom sends to a relay: registered, accepted, rejected, deliver or error. */
    public Frame decodeBrokerFrame(String text) {
        ObjectNode frame = parseObject(text);
        String type = requiredString(frame, "type", "frame");
        switch (type) {
            case "registered":
                return new Frame.Registered(requiredString(frame, "service", type), requiredString(frame, "instance", type),
                        optionalStringList(frame, "sends", type), optionalStringList(frame, "receives", type));
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

    private static ErrorCode code(ObjectNode frame) {
        String code = requiredString(frame, "code", frame.path("type").asText());
        try {
            return ErrorCode.fromWire(code);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(INVALID, "unknown error code \"" + code + "\"");
        }
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

    private static final String PLAIN_ACK_PREFIX = "{\"type\":\"ack\",\"id\":\"";

    /**
     * The id of an ack written exactly the way relays write it ({@code {"type":"ack","id":"..."}}, no spaces, no
     * escapes in the id), or null for anything else, which then takes the full parse and its complaints. Every
     * delivery is answered by an ack, so they are a third or more of all frames the broker reads; this spares
     * them a parser and a tree.
     */
    public static String plainAckId(String text) {
        int end = text.length() - 2;
        if (end <= PLAIN_ACK_PREFIX.length() || !text.startsWith(PLAIN_ACK_PREFIX) || !text.endsWith("\"}")) {
            return null;
        }
        for (int i = PLAIN_ACK_PREFIX.length(); i < end; i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20) {
                return null;
            }
        }
        String id = text.substring(PLAIN_ACK_PREFIX.length(), end);
        return Limits.isValidId(id) ? id : null;
    }

    // ------------------------------------------------------------------ writing

    /** Writes any frame as one JSON text. */
    public String encode(Frame frame) {
        if (frame instanceof Frame.Deliver deliver) {
            return deliverFrame(encodeEnvelope(deliver.message()), deliver.attempt());
        }
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
                writeList(g, "receives", r.receives());
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
            }
            g.writeEndObject();
        });
    }

    /** Writes an envelope as JSON, with only the fields of §2 that are set. */
    public String encodeEnvelope(Envelope envelope) {
        if (envelope.payload() instanceof POJONode raw && raw.getPojo() instanceof RawValue value
                && value.rawValue() instanceof String json && envelope.id() != null) {
            return spliceRawPayload(envelope, json);
        }
        return write(g -> writeEnvelope(g, envelope));
    }

    /**
     * The broker's case: the payload is JSON text passed through as it came. Only the small fields go through
     * the generator; the payload is joined in by string concatenation, which copies it once in bulk instead of
     * char by char through the generator's buffer and a writer.
     */
    private String spliceRawPayload(Envelope m, String payloadJson) {
        String head = write(g -> {
            g.writeStartObject();
            g.writeStringField("name", m.name());
            if (m.version() != null) {
                g.writeFieldName("version");
                mapper.writeTree(g, m.version());
            }
            g.writeEndObject();
        });
        String tail = write(g -> writeEnvelopeAfterPayload(g, m)); // starts with "{\"id\":", since id is set
        return head.substring(0, head.length() - 1) + ",\"payload\":" + payloadJson + "," + tail.substring(1);
    }

    /**
     * A deliver frame around an envelope that is already JSON: the broker encodes each accepted message once
     * and wraps that text for every delivery attempt.
     */
    public static String deliverFrame(String envelopeJson, int attempt) {
        return new StringBuilder(envelopeJson.length() + 48)
                .append("{\"type\":\"deliver\",\"attempt\":").append(attempt)
                .append(",\"message\":").append(envelopeJson).append('}')
                .toString();
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

    private static void writeEnvelopeAfterPayload(JsonGenerator g, Envelope m) throws IOException {
        g.writeStartObject();
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
