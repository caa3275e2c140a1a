package io.exocom.relay;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.Frame;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes the frames a relay sends (PROTOCOL.md §3) straight to UTF-8 bytes, the form the socket writes: the
 * payload goes from the service's object into the frame in one pass, with no JSON tree in between, and the bytes
 * are kept as they are to send again after a reconnect. Field order and spelling are those of the shared
 * {@code FrameCodec}, so the broker's fast paths (a plain ack read without a parser) keep matching.
 */
final class FrameWriter {
    private static final byte[] ACK_PREFIX = "{\"type\":\"ack\",\"id\":\"".getBytes(StandardCharsets.US_ASCII);
    /** Ids per batched ack: 1,000 ids of at most 200 characters stay far below any frame limit (the broker takes 10,000). */
    static final int ACK_IDS_PER_FRAME = 1000;
    private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();
    private final ObjectMapper mapper;

    FrameWriter(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** A message to send: a command or event ({@code responseTo} null) or a reply. */
    record Outgoing(String id, String name, Object payload, String originId, String responseTo, boolean isFinal) {
    }

    byte[] register(Frame.Register r) {
        return write(64, g -> {
            g.writeStartObject();
            g.writeStringField("type", "register");
            g.writeStringField("service", r.service());
            optional(g, "instance", r.instance());
            optional(g, "token", r.token());
            if (r.prefetch() != null) {
                g.writeNumberField("prefetch", r.prefetch());
            }
            if (r.receives() != null) {
                list(g, "receives", r.receives());
            }
            optional(g, "protocol", r.protocol());
            g.writeEndObject();
        });
    }

    /** @throws IllegalArgumentException when Jackson cannot write the payload; the sentence names the message */
    byte[] send(Outgoing m) {
        try {
            return writeOrFail(sizeHint(m.payload()), g -> {
            g.writeStartObject();
            g.writeStringField("type", "send");
            g.writeObjectFieldStart("message");
            g.writeStringField("name", m.name());
            g.writeFieldName("payload");
            if (m.payload() == null) {
                g.writeNull();
            } else {
                mapper.writeValue(g, m.payload());
            }
            g.writeStringField("id", m.id());
            optional(g, "originId", m.originId());
            if (m.responseTo() != null) {
                g.writeStringField("responseTo", m.responseTo());
                g.writeBooleanField("final", m.isFinal());
            }
            g.writeEndObject();
            g.writeEndObject();
            });
        } catch (IOException e) {
            throw new IllegalArgumentException("the payload of \"" + m.name() + "\" cannot be written as JSON: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Room for the frame around a text payload, so that a large one is written into one buffer instead of one that
     * grows block by block (a few escapes more still fit; anything else starts small).
     */
    private static int sizeHint(Object payload) {
        return payload instanceof CharSequence text ? 256 + text.length() + (text.length() >> 4) : 256;
    }

    /**
     * An ack: the commonest frame, so an id of plain printable ASCII (a UUID) is copied in without a generator;
     * the bytes are exactly those the generator writes.
     */
    byte[] ack(String id) {
        return ackOf(id);
    }

    private static byte[] ackOf(String id) {
        if (isPlainAscii(id)) {
            byte[] frame = new byte[ACK_PREFIX.length + id.length() + 2];
            System.arraycopy(ACK_PREFIX, 0, frame, 0, ACK_PREFIX.length);
            for (int i = 0; i < id.length(); i++) {
                frame[ACK_PREFIX.length + i] = (byte) id.charAt(i);
            }
            frame[frame.length - 2] = '"';
            frame[frame.length - 1] = '}';
            return frame;
        }
        ByteArrayBuilder out = new ByteArrayBuilder(64);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "ack");
            g.writeStringField("id", id);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** One ack frame for several ids (protocol 1.2); a single id is the plain 1.0 ack. */
    static byte[] acks(List<String> ids) {
        if (ids.size() == 1) {
            return ackOf(ids.get(0));
        }
        ByteArrayBuilder out = new ByteArrayBuilder(24 + 40 * ids.size());
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "ack");
            list(g, "ids", ids);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    byte[] nack(String id, boolean requeue, String reason) {
        return write(128, g -> {
            g.writeStartObject();
            g.writeStringField("type", "nack");
            g.writeStringField("id", id);
            g.writeBooleanField("requeue", requeue);
            optional(g, "reason", reason);
            g.writeEndObject();
        });
    }

    byte[] closing() {
        return write(32, g -> {
            g.writeStartObject();
            g.writeStringField("type", "closing");
            g.writeEndObject();
        });
    }

    /** True when JSON needs no escape for any character of {@code text}. */
    private static boolean isPlainAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private interface Work {
        void writeTo(JsonGenerator generator) throws IOException;
    }

    private byte[] write(int sizeHint, Work work) {
        try {
            return writeOrFail(sizeHint, work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] writeOrFail(int sizeHint, Work work) throws IOException {
        ByteArrayBuilder out = new ByteArrayBuilder(sizeHint);
        try (JsonGenerator generator = mapper.getFactory().createGenerator(out)) {
            work.writeTo(generator);
        }
        return out.toByteArray();
    }

    private static void optional(JsonGenerator g, String field, String value) throws IOException {
        if (value != null) {
            g.writeStringField(field, value);
        }
    }

    private static void list(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String value : values) {
            g.writeString(value);
        }
        g.writeEndArray();
    }
}
