package io.exocom.broker.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.Limits;
import io.exocom.protocol.ProtocolException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The broker's one decode path for what relays and HTTP clients send (PROTOCOL.md §2, §3): UTF-8 bytes in, a
 * validated {@link InboundFrame} or {@link InboundMessage} out, read by one streaming pass with no JSON tree. The
 * payload and version are located and checked to be well-formed but never decoded: they are kept as the bytes
 * they arrived as. A key given twice in the frame, the envelope or its headers is refused, so that no two readers
 * of a frame can disagree about what it says. Sizes and UTF-8 are the caller's to check before (see
 * {@code transport.InboundAssembler}).
 * <p>
 * Every problem is a {@link FrameProblem} with code {@code invalid}, a sentence naming the field, and as much of the
 * frame as was read (its type, the message id), so that a broken send can still be answered {@code rejected}.
 * Thread-safe.
 */
public final class FrameDecoder {
    private static final JsonFactory JSON = JsonFactory.builder().build();
    private static final byte[] PLAIN_ACK_PREFIX = "{\"type\":\"ack\",\"id\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    // frame fields, as bits for the duplicate check
    private static final int F_TYPE = 1, F_MESSAGE = 1 << 1, F_SERVICE = 1 << 2, F_INSTANCE = 1 << 3, F_TOKEN = 1 << 4,
            F_PREFETCH = 1 << 5, F_RECEIVES = 1 << 6, F_PROTOCOL = 1 << 7, F_ID = 1 << 8, F_REQUEUE = 1 << 9,
            F_REASON = 1 << 10, F_IDS = 1 << 11;
    /** The most ids one batched ack may carry (1.2); the frame size bounds it too. */
    public static final int MAX_ACK_IDS = 10_000;
    // envelope fields
    private static final int E_NAME = 1, E_VERSION = 1 << 1, E_PAYLOAD = 1 << 2, E_ID = 1 << 3, E_ORIGIN = 1 << 4,
            E_RESPONSE_TO = 1 << 5, E_FINAL = 1 << 6, E_HEADERS = 1 << 7, E_TIMESTAMP = 1 << 8, E_SENDER = 1 << 9;

    /** Decodes one frame a relay sent. */
    public InboundFrame decodeFrame(byte[] bytes, int length) {
        FrameFields frame = new FrameFields(bytes);
        try (JsonParser parser = JSON.createParser(bytes, 0, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw frame.problem("a frame must be one JSON object with a \"type\" field");
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                readFrameField(parser, parser.currentName(), frame);
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw frame.problem("a frame must be exactly one JSON object; this one has more after it");
            }
        } catch (JsonProcessingException malformed) {
            throw frame.problem("the frame is not valid JSON: " + malformed.getOriginalMessage());
        } catch (IOException cannotHappen) {
            throw new UncheckedIOException(cannotHappen);
        }
        return frame.build();
    }

    /**
     * Decodes an envelope given on its own (the body of {@code POST /messages}).
     *
     * @param requireId whether a missing id is an error (over HTTP ExoCom makes one)
     */
    public InboundMessage decodeEnvelope(byte[] bytes, int length, boolean requireId) {
        EnvelopeFields envelope = new EnvelopeFields();
        try (JsonParser parser = JSON.createParser(bytes, 0, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new FrameProblem(ErrorCode.INVALID, "the request body must be one JSON object: a message envelope "
                        + "like {\"name\":\"todos.create\",\"payload\":{...}}", null, null);
            }
            readEnvelope(parser, envelope, bytes);
            if (parser.nextToken() != null) {
                throw new FrameProblem(ErrorCode.INVALID, "the request body must be exactly one JSON object; this one "
                        + "has more after it", null, envelope.id);
            }
        } catch (JsonProcessingException malformed) {
            throw new FrameProblem(ErrorCode.INVALID, "the request body is not valid JSON: "
                    + malformed.getOriginalMessage(), null, envelope.id);
        } catch (IOException cannotHappen) {
            throw new UncheckedIOException(cannotHappen);
        }
        return envelope.build(requireId, null);
    }

    /**
     * The id of an ack written exactly the way relays write it ({@code {"type":"ack","id":"..."}}, no spaces, an
     * ASCII id without escapes), or null for anything else, which then takes the full decode. Every delivery is
     * answered by an ack, so they are a third or more of what the broker reads.
     */
    public static String plainAckId(byte[] bytes, int length) {
        int prefix = PLAIN_ACK_PREFIX.length;
        int end = length - 2;
        if (end <= prefix || bytes[end] != '"' || bytes[end + 1] != '}') {
            return null;
        }
        for (int i = 0; i < prefix; i++) {
            if (bytes[i] != PLAIN_ACK_PREFIX[i]) {
                return null;
            }
        }
        for (int i = prefix; i < end; i++) {
            byte b = bytes[i];
            if (b == '"' || b == '\\' || b < 0x20) { // b < 0 for every byte of a multi-byte character
                return null;
            }
        }
        int idLength = end - prefix;
        return idLength <= Limits.MAX_ID_LENGTH ? new String(bytes, prefix, idLength, java.nio.charset.StandardCharsets.ISO_8859_1) : null;
    }

    /**
     * Reads as much of a frame as {@code bytes} holds (the first part of a frame too large to decode): whether it
     * is a send and its message id, when they come early enough. Never fails.
     */
    public static String sendIdOfPrefix(byte[] bytes, int length) {
        String type = null;
        String id = null;
        try (JsonParser parser = JSON.createParser(bytes, 0, length)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME && (type == null || id == null)) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("type".equals(field) && value == JsonToken.VALUE_STRING) {
                    type = parser.getText();
                } else if ("message".equals(field) && value == JsonToken.START_OBJECT) {
                    while (parser.nextToken() == JsonToken.FIELD_NAME) {
                        String messageField = parser.currentName();
                        JsonToken messageValue = parser.nextToken();
                        if ("id".equals(messageField) && messageValue == JsonToken.VALUE_STRING) {
                            id = parser.getText();
                            break;
                        }
                        parser.skipChildren();
                    }
                } else {
                    parser.skipChildren();
                }
            }
        } catch (IOException | RuntimeException cutOff) {
            // the prefix ends mid-frame: what was read so far is the answer
        }
        return "send".equals(type) && Limits.isValidId(id) ? id : null;
    }

    // ------------------------------------------------------------------ frames

    private void readFrameField(JsonParser parser, String field, FrameFields frame) throws IOException {
        JsonToken value = parser.nextToken();
        int bit = switch (field) {
            case "type" -> F_TYPE;
            case "message" -> F_MESSAGE;
            case "service" -> F_SERVICE;
            case "instance" -> F_INSTANCE;
            case "token" -> F_TOKEN;
            case "prefetch" -> F_PREFETCH;
            case "receives" -> F_RECEIVES;
            case "protocol" -> F_PROTOCOL;
            case "id" -> F_ID;
            case "requeue" -> F_REQUEUE;
            case "reason" -> F_REASON;
            case "ids" -> F_IDS;
            default -> 0;
        };
        if (bit == 0) {
            frame.unknownField(field);
            parser.skipChildren();
            return;
        }
        if ((frame.seen & bit) != 0) {
            frame.note("the frame has the field \"" + field + "\" twice: a frame names each field once");
        }
        frame.seen |= bit;
        switch (field) {
            case "type" -> {
                String type = stringOrNull(parser, value);
                if (type == null || type.isEmpty()) {
                    frame.note("frame.type is required and must be a non-empty string");
                } else if (frame.type == null) {
                    frame.type = type;
                }
            }
            case "message" -> {
                if (value != JsonToken.START_OBJECT) {
                    frame.messageNotObject = true;
                    parser.skipChildren();
                } else {
                    EnvelopeFields envelope = new EnvelopeFields();
                    frame.envelope = envelope; // before reading: a problem inside it still names the send's id
                    readEnvelope(parser, envelope, frame.bytes);
                }
            }
            case "service" -> frame.service = frame.string(parser, value, "register.service");
            case "instance" -> frame.instance = frame.string(parser, value, "register.instance");
            case "token" -> frame.token = frame.string(parser, value, "register.token");
            case "reason" -> frame.reason = frame.string(parser, value, "nack.reason");
            case "protocol" -> frame.protocol = frame.string(parser, value, "register.protocol");
            case "id" -> frame.id = frame.string(parser, value, "frame.id");
            case "ids" -> frame.ids = readIds(parser, value, frame);
            case "prefetch" -> {
                if (value == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() == JsonParser.NumberType.INT
                        && parser.getIntValue() >= 1) {
                    frame.prefetch = parser.getIntValue();
                } else if (value != JsonToken.VALUE_NULL) {
                    frame.note("register.prefetch must be a whole number of at least 1");
                    parser.skipChildren();
                }
            }
            case "requeue" -> {
                if (value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE) {
                    frame.requeue = value == JsonToken.VALUE_TRUE;
                } else if (value != JsonToken.VALUE_NULL) {
                    frame.note("nack.requeue must be true or false");
                    parser.skipChildren();
                }
            }
            case "receives" -> {
                if (value == JsonToken.VALUE_NULL) {
                    return;
                }
                if (value != JsonToken.START_ARRAY) {
                    frame.note("register.receives must be a list of message names");
                    parser.skipChildren();
                    return;
                }
                List<String> names = new ArrayList<>();
                JsonToken element;
                while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (element == JsonToken.VALUE_STRING) {
                        names.add(parser.getText());
                    } else {
                        frame.note("register.receives must be a list of strings");
                        parser.skipChildren();
                    }
                }
                frame.receives = names;
            }
            default -> throw new IllegalStateException(field);
        }
    }

    /** A batched ack's ids (1.2): a list of 1 to {@link #MAX_ACK_IDS} valid ids; null (and a problem) otherwise. */
    private static List<String> readIds(JsonParser parser, JsonToken value, FrameFields frame) throws IOException {
        String shape = "ack.ids must be a list of 1-" + MAX_ACK_IDS + " ids, each a string of 1-" + Limits.MAX_ID_LENGTH
                + " characters";
        if (value != JsonToken.START_ARRAY) {
            frame.note(shape);
            parser.skipChildren();
            return null;
        }
        List<String> ids = new ArrayList<>();
        boolean fits = true;
        JsonToken element;
        while ((element = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (element == JsonToken.VALUE_STRING && ids.size() < MAX_ACK_IDS && Limits.isValidId(parser.getText())) {
                ids.add(parser.getText());
            } else {
                fits = false;
                parser.skipChildren();
            }
        }
        if (!fits || ids.isEmpty()) {
            frame.note(shape);
            return null;
        }
        return ids;
    }

    private static String stringOrNull(JsonParser parser, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return parser.getText();
        }
        parser.skipChildren();
        return null;
    }

    /** What was read of a frame, and the first problem found; built into a frame once the whole of it is read. */
    private static final class FrameFields {
        final byte[] bytes;
        int seen;
        Set<String> unknown;
        String type;
        EnvelopeFields envelope;
        boolean messageNotObject;
        String service;
        String instance;
        String token;
        String protocol;
        String id;
        List<String> ids;
        String reason;
        Integer prefetch;
        Boolean requeue;
        List<String> receives;
        String problem;

        FrameFields(byte[] bytes) {
            this.bytes = bytes;
        }

        void note(String sentence) {
            if (problem == null) {
                problem = sentence;
            }
        }

        void unknownField(String field) {
            if (unknown == null) {
                unknown = new HashSet<>(4);
            }
            if (!unknown.add(field)) {
                note("the frame has the field \"" + field + "\" twice: a frame names each field once");
            }
        }

        String string(JsonParser parser, JsonToken value, String where) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                return parser.getText();
            }
            if (value != JsonToken.VALUE_NULL) {
                note(where + " must be a string");
                parser.skipChildren();
            }
            return null;
        }

        FrameProblem problem(String sentence) {
            return new FrameProblem(ErrorCode.INVALID, sentence, type, envelope == null ? null : envelope.id);
        }

        InboundFrame build() {
            if (problem != null) {
                throw problem(problem);
            }
            if (type == null) {
                throw problem("frame.type is required and must be a non-empty string");
            }
            switch (type) {
                case "send" -> {
                    if (envelope == null) {
                        throw problem("send.message must be a JSON object holding the envelope");
                    }
                    return new InboundFrame.Send(envelope.build(true, type));
                }
                case "ack" -> {
                    if (ids != null) {
                        if (id != null) {
                            throw problem("an ack carries id or ids, not both");
                        }
                        return new InboundFrame.Ack(List.copyOf(ids));
                    }
                    return new InboundFrame.Ack(List.of(requiredId("ack")));
                }
                case "nack" -> {
                    return new InboundFrame.Nack(requiredId("nack"), requeue == null || requeue, reason);
                }
                case "register" -> {
                    if (service == null || service.isEmpty()) {
                        throw problem("register.service is required and must be a non-empty string");
                    }
                    ProtocolVersion version = ProtocolVersion.V1_0;
                    if (protocol != null) {
                        version = ProtocolVersion.parse(protocol);
                        if (version == null) {
                            throw problem("register.protocol must be a version like \"1.1\", not \"" + LogText.quote(protocol) + "\"");
                        }
                    }
                    return new InboundFrame.Register(service, instance, token, prefetch,
                            receives == null ? null : List.copyOf(receives), version);
                }
                case "closing" -> {
                    return new InboundFrame.Closing();
                }
                default -> throw problem("unknown frame type \"" + LogText.quote(type)
                        + "\": a relay sends register, send, ack, nack or closing");
            }
        }

        private String requiredId(String where) {
            if (id == null || !Limits.isValidId(id)) {
                throw problem(where + ".id is required and must be a string of 1-" + Limits.MAX_ID_LENGTH + " characters");
            }
            return id;
        }
    }

    // ------------------------------------------------------------------ envelopes

    /** Reads an envelope; the parser is at its START_OBJECT and is left at its END_OBJECT. */
    private void readEnvelope(JsonParser parser, EnvelopeFields envelope, byte[] bytes) throws IOException {
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken value = parser.nextToken();
            int bit = switch (field) {
                case "name" -> E_NAME;
                case "version" -> E_VERSION;
                case "payload" -> E_PAYLOAD;
                case "id" -> E_ID;
                case "originId" -> E_ORIGIN;
                case "responseTo" -> E_RESPONSE_TO;
                case "final" -> E_FINAL;
                case "headers" -> E_HEADERS;
                case "timestamp" -> E_TIMESTAMP;
                case "sender" -> E_SENDER;
                default -> 0;
            };
            if (bit == 0) {
                envelope.unknownField(field);
                parser.skipChildren();
                continue;
            }
            if ((envelope.seen & bit) != 0) {
                envelope.note("message has the field \"" + field + "\" twice: a message names each field once");
            }
            envelope.seen |= bit;
            switch (field) {
                case "name" -> {
                    String name = stringOrNull(parser, value);
                    if (name == null || !Limits.isValidName(name)) {
                        envelope.note("message.name must be a string of 1-" + Limits.MAX_NAME_LENGTH
                                + " characters without control characters, like \"todos.create\"");
                    } else {
                        envelope.name = name;
                    }
                }
                case "version" -> {
                    if (value == JsonToken.VALUE_NUMBER_INT || value == JsonToken.VALUE_NUMBER_FLOAT
                            || value == JsonToken.VALUE_STRING) {
                        envelope.version = raw(parser, bytes);
                    } else if (value != JsonToken.VALUE_NULL) {
                        envelope.note("message.version must be a number or a string");
                        parser.skipChildren();
                    }
                }
                case "payload" -> envelope.payload = value == JsonToken.VALUE_NULL ? null : raw(parser, bytes);
                case "id" -> {
                    String id = stringOrNull(parser, value);
                    if (id != null && Limits.isValidId(id)) {
                        if (envelope.id == null) { // given twice: the first names the send in the rejection
                            envelope.id = id;
                        }
                    } else if (value != JsonToken.VALUE_NULL) {
                        envelope.note("message.id must be a string of 1-" + Limits.MAX_ID_LENGTH + " characters");
                    }
                }
                case "originId" -> envelope.originId = envelope.idField(parser, value, "originId");
                case "responseTo" -> envelope.responseTo = envelope.idField(parser, value, "responseTo");
                case "final" -> {
                    if (value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE) {
                        envelope.isFinal = value == JsonToken.VALUE_TRUE;
                    } else if (value != JsonToken.VALUE_NULL) {
                        envelope.note("message.final must be true or false");
                        parser.skipChildren();
                    }
                }
                case "headers" -> readHeaders(parser, value, envelope);
                case "sender" -> {
                    if (value == JsonToken.VALUE_STRING) {
                        envelope.sender = parser.getText();
                    } else {
                        parser.skipChildren(); // ExoCom sets the sender; only HTTP without authentication reads it
                    }
                }
                case "timestamp" -> parser.skipChildren(); // ExoCom sets it
                default -> throw new IllegalStateException(field);
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw new JsonProcessingException("message ends early") {
            };
        }
    }

    private static void readHeaders(JsonParser parser, JsonToken value, EnvelopeFields envelope) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_OBJECT) {
            envelope.note("message.headers must be an object of string values");
            parser.skipChildren();
            return;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            JsonToken headerValue = parser.nextToken();
            if (headerValue != JsonToken.VALUE_STRING) {
                envelope.note("message.headers." + LogText.quote(key) + " must be a string");
                parser.skipChildren();
            } else if (headers.put(key, parser.getText()) != null) {
                envelope.note("message.headers has the key \"" + LogText.quote(key) + "\" twice");
            }
        }
        envelope.headers = headers;
    }

    /**
     * The current value as the bytes it arrived as, checked to be well-formed: a container is skipped through to
     * its end, a scalar read to its end, and the bytes in between copied once.
     */
    private static byte[] raw(JsonParser parser, byte[] source) throws IOException {
        int start = (int) parser.currentTokenLocation().getByteOffset();
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
            parser.skipChildren();
        } else {
            parser.finishToken();
        }
        int end = (int) parser.currentLocation().getByteOffset();
        return Arrays.copyOfRange(source, start, end);
    }

    /** What was read of an envelope, and the first problem found. */
    private static final class EnvelopeFields {
        int seen;
        Set<String> unknown;
        String name;
        byte[] version;
        byte[] payload;
        String id;
        String originId;
        String responseTo;
        String sender;
        Boolean isFinal;
        Map<String, String> headers;
        String problem;

        void note(String sentence) {
            if (problem == null) {
                problem = sentence;
            }
        }

        void unknownField(String field) {
            if (unknown == null) {
                unknown = new HashSet<>(4);
            }
            if (!unknown.add(field)) {
                note("message has the field \"" + LogText.quote(field) + "\" twice: a message names each field once");
            }
        }

        String idField(JsonParser parser, JsonToken value, String field) throws IOException {
            if (value == JsonToken.VALUE_NULL) {
                return null;
            }
            String text = stringOrNull(parser, value);
            if (text == null || !Limits.isValidId(text)) {
                note("message." + field + " must be a string of 1-" + Limits.MAX_ID_LENGTH + " characters");
                return null;
            }
            return text;
        }

        InboundMessage build(boolean requireId, String frameType) {
            if (problem != null) {
                throw new FrameProblem(ErrorCode.INVALID, problem, frameType, id);
            }
            if (id == null && requireId) {
                throw new FrameProblem(ErrorCode.INVALID,
                        "message.id is required: give every message a unique id (a UUID)", frameType, null);
            }
            if (name == null) {
                throw new FrameProblem(ErrorCode.INVALID, "message.name must be a string of 1-" + Limits.MAX_NAME_LENGTH
                        + " characters without control characters, like \"todos.create\"", frameType, id);
            }
            return new InboundMessage(name, version, payload, id, originId, responseTo, isFinal == null || isFinal,
                    headers == null ? Map.of() : headers, sender);
        }
    }

    /** For callers that only need to know the problem is about input, not a bug. */
    static ProtocolException invalid(String sentence) {
        return new FrameProblem(ErrorCode.INVALID, sentence, null, null);
    }
}
