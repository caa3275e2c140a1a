package io.exocom.relay;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.Frame;
import io.exocom.protocol.Limits;
import io.exocom.protocol.ProtocolException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.exocom.protocol.ErrorCode.INVALID;

/**
 * Reads the frames ExoCom sends a relay (PROTOCOL.md §3) in one streaming pass over their UTF-8 bytes: the
 * relay's own fields are read token by token, with no JSON tree, and a delivered message's payload is kept as the
 * text it arrived as ({@link Message#payloadJson()}); it becomes a tree or a class only when a handler asks.
 * Fields may come in any order; unknown ones are skipped. A frame that does not fit fails with a
 * {@link ProtocolException} naming the field, as the shared codec's would.
 */
final class FrameReader {
    private final JsonFactory factory;
    private final ObjectMapper mapper;

    FrameReader(ObjectMapper mapper) {
        this.mapper = mapper;
        this.factory = mapper.getFactory();
    }

    /** A frame ExoCom sent: one of {@link Frame}'s broker frames, or a {@link Delivery}. */
    sealed interface Inbound permits Known, Delivery {
    }

    /** registered, accepted, rejected or error, as the shared model has them. */
    record Known(Frame frame) implements Inbound {
    }

    /** A deliver frame: the message, its payload still text. */
    record Delivery(Message message) implements Inbound {
    }

    Inbound read(byte[] utf8) {
        try (JsonParser p = factory.createParser(utf8)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException(INVALID, "frame must be a JSON object with a \"type\" field");
            }
            FrameFields f = new FrameFields();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "type" -> f.type = text(p, value, "frame.type");
                    case "service" -> f.service = text(p, value, "frame.service");
                    case "instance" -> f.instance = text(p, value, "frame.instance");
                    case "sends" -> f.sends = names(p, value, "sends");
                    case "receives" -> f.receives = names(p, value, "receives");
                    case "protocol" -> f.protocol = text(p, value, "frame.protocol");
                    case "maxFrameSize" -> f.maxFrameSize = value.isNumeric() ? p.getIntValue() : 0;
                    case "id" -> f.id = text(p, value, "frame.id");
                    case "timestamp" -> f.timestamp = value.isNumeric() ? p.getLongValue() : 0;
                    case "code" -> f.code = text(p, value, "frame.code");
                    case "message" -> {
                        if (value == JsonToken.START_OBJECT) {
                            f.message = envelope(p, utf8);
                        } else {
                            f.text = text(p, value, "frame.message");
                        }
                    }
                    case "attempt" -> f.attempt = value.isNumeric() ? p.getIntValue() : 1;
                    default -> p.skipChildren();
                }
            }
            return f.frame();
        } catch (IOException e) {
            throw new ProtocolException(INVALID, "frame is not valid JSON: " + e.getMessage());
        }
    }

    /** The fields of one frame, gathered before its type decides what they mean. */
    private final class FrameFields {
        String type;
        String service;
        String instance;
        List<String> sends = List.of();
        List<String> receives = List.of();
        String protocol;
        int maxFrameSize;
        String id;
        long timestamp;
        String code;
        String text;
        EnvelopeFields message;
        int attempt = 1;

        Inbound frame() {
            if (type == null || type.isEmpty()) {
                throw new ProtocolException(INVALID, "frame.type is required and must be a non-empty string");
            }
            return switch (type) {
                case "deliver" -> {
                    if (message == null) {
                        throw new ProtocolException(INVALID, "deliver.message must be a JSON object");
                    }
                    yield new Delivery(message.toMessage(attempt));
                }
                case "accepted" -> new Known(new Frame.Accepted(required(id, type, "id"), timestamp));
                case "registered" -> new Known(new Frame.Registered(required(service, type, "service"),
                        required(instance, type, "instance"), sends, receives, protocol, maxFrameSize));
                case "rejected" -> new Known(new Frame.Rejected(id, code(), text));
                case "error" -> new Known(new Frame.Error(code(), text));
                default -> throw new ProtocolException(INVALID, "unknown frame type \"" + type + "\"");
            };
        }

        /** A code this relay does not know (a newer broker's) is {@link ErrorCode#OTHER}: the sentence still says it. */
        private ErrorCode code() {
            return ErrorCode.fromWireOrOther(required(code, type, "code"));
        }
    }

    /** The envelope's fields (§2); the payload as the exact bytes it arrived as, decoded to text once. */
    private final class EnvelopeFields {
        String name;
        JsonNode version;
        String payload = "null";
        String id;
        long timestamp;
        String originId;
        String responseTo;
        String sender;
        boolean isFinal = true;
        Map<String, String> headers = Map.of();

        Message toMessage(int attempt) {
            try {
                if (id == null) {
                    throw new ProtocolException(INVALID, "message.id is required: give every message a unique id (a UUID)");
                }
                if (name == null || !Limits.isValidName(name)) {
                    throw new ProtocolException(INVALID, "message.name must be a string of 1-" + Limits.MAX_NAME_LENGTH
                            + " characters without control characters, like \"todos.create\"");
                }
            } catch (ProtocolException e) {
                throw e.withMessageId(id);
            }
            return new Message(name, version, payload, id, timestamp, originId, responseTo, sender, isFinal, headers,
                    attempt, mapper);
        }
    }

    private EnvelopeFields envelope(JsonParser p, byte[] utf8) throws IOException {
        EnvelopeFields m = new EnvelopeFields();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> m.name = text(p, value, "message.name");
                case "payload" -> m.payload = rawValue(p, value, utf8);
                case "id" -> m.id = id(p, value, "id");
                case "timestamp" -> m.timestamp = value.isNumeric() ? p.getLongValue() : 0;
                case "originId" -> m.originId = id(p, value, "originId");
                case "responseTo" -> m.responseTo = id(p, value, "responseTo");
                case "sender" -> m.sender = text(p, value, "message.sender");
                case "final" -> {
                    if (value != JsonToken.VALUE_NULL && !value.isBoolean()) {
                        throw new ProtocolException(INVALID, "message.final must be true or false");
                    }
                    m.isFinal = value != JsonToken.VALUE_FALSE;
                }
                case "version" -> {
                    if (value == JsonToken.VALUE_NULL) {
                        m.version = null;
                    } else if (value.isNumeric() || value == JsonToken.VALUE_STRING) {
                        m.version = mapper.readTree(p);
                    } else {
                        throw new ProtocolException(INVALID, "message.version must be a number or a string");
                    }
                }
                case "headers" -> m.headers = headers(p, value);
                default -> p.skipChildren();
            }
        }
        return m;
    }

    /** The value the parser stands on, as the text it was written as (the bytes from its first to its last). */
    private static String rawValue(JsonParser p, JsonToken value, byte[] utf8) throws IOException {
        int start = (int) p.currentTokenLocation().getByteOffset();
        int end;
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY || value == JsonToken.VALUE_STRING) {
            if (value == JsonToken.VALUE_STRING) {
                p.getTextLength(); // a string is read lazily: finish it, so that the location is past its quote
            } else {
                p.skipChildren(); // now on the closing bracket, which the location includes
            }
            end = (int) p.currentLocation().getByteOffset();
        } else {
            // A number or literal ends where its characters end; the parser may have looked one further.
            end = start;
            while (end < utf8.length && isScalarByte(utf8[end])) {
                end++;
            }
        }
        return new String(utf8, start, end - start, StandardCharsets.UTF_8);
    }

    private static boolean isScalarByte(byte b) {
        return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b == '-' || b == '+' || b == '.' || b == 'E';
    }

    private static String text(JsonParser p, JsonToken value, String what) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        if (value != JsonToken.VALUE_STRING) {
            throw new ProtocolException(INVALID, what + " must be a string");
        }
        return p.getText();
    }

    private static String id(JsonParser p, JsonToken value, String field) throws IOException {
        String id = value == JsonToken.VALUE_STRING ? p.getText() : null;
        if (value != JsonToken.VALUE_NULL && (id == null || !Limits.isValidId(id))) {
            throw new ProtocolException(INVALID, "message." + field + " must be a string of 1-" + Limits.MAX_ID_LENGTH
                    + " characters");
        }
        return id;
    }

    private static List<String> names(JsonParser p, JsonToken value, String field) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return List.of();
        }
        if (value != JsonToken.START_ARRAY) {
            throw new ProtocolException(INVALID, "frame." + field + " must be a list of message names");
        }
        List<String> names = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw new ProtocolException(INVALID, "frame." + field + " must be a list of strings");
            }
            names.add(p.getText());
        }
        return names;
    }

    private static Map<String, String> headers(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (value != JsonToken.START_OBJECT) {
            throw new ProtocolException(INVALID, "message.headers must be an object of string values");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new ProtocolException(INVALID, "message.headers." + name + " must be a string");
            }
            headers.put(name, p.getText());
        }
        return headers;
    }

    private static String required(String value, String type, String field) {
        if (value == null || value.isEmpty()) {
            throw new ProtocolException(INVALID, type + "." + field + " is required and must be a non-empty string");
        }
        return value;
    }
}
