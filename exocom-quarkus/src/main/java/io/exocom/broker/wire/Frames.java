package io.exocom.broker.wire;

import io.exocom.protocol.ErrorCode;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** The frames ExoCom sends (PROTOCOL.md §3), written directly as the UTF-8 bytes that go on the wire. */
public final class Frames {
    private static final byte[] DELIVER_SUFFIX = {'}'};
    private static final byte[][] DELIVER_PREFIXES = new byte[16][];

    static {
        for (int attempt = 0; attempt < DELIVER_PREFIXES.length; attempt++) {
            DELIVER_PREFIXES[attempt] = deliverPrefixOf(attempt);
        }
    }

    private Frames() {
    }

    public static byte[] registered(String service, String instance, List<String> sends, List<String> receives,
                                    ProtocolVersion protocol, int maxFrameSize) {
        JsonBytes out = new JsonBytes(128);
        out.put('{').field("type").string("registered")
                .comma().field("service").string(service)
                .comma().field("instance").string(instance)
                .comma().field("sends");
        list(out, sends);
        out.comma().field("receives");
        list(out, receives);
        out.comma().field("protocol").string(protocol.toString())
                .comma().field("maxFrameSize").number(maxFrameSize);
        return out.put('}').toBytes();
    }

    public static byte[] accepted(String id, long timestamp) {
        return new JsonBytes(64 + id.length()).ascii("{\"type\":\"accepted\",\"id\":").string(id)
                .ascii(",\"timestamp\":").number(timestamp).put('}').toBytes();
    }

    /** @param id the send's id, or null when it could not be read */
    public static byte[] rejected(String id, ErrorCode code, String message) {
        JsonBytes out = new JsonBytes(96 + message.length()).ascii("{\"type\":\"rejected\"");
        if (id != null) {
            out.ascii(",\"id\":").string(id);
        }
        return out.ascii(",\"code\":").string(code.wire()).ascii(",\"message\":").string(message).put('}').toBytes();
    }

    public static byte[] error(ErrorCode code, String message) {
        return new JsonBytes(64 + message.length()).ascii("{\"type\":\"error\",\"code\":").string(code.wire())
                .ascii(",\"message\":").string(message).put('}').toBytes();
    }

    /** The bytes before the envelope in a deliver frame: {@code {"type":"deliver","attempt":N,"message":}. */
    public static byte[] deliverPrefix(int attempt) {
        return attempt >= 0 && attempt < DELIVER_PREFIXES.length ? DELIVER_PREFIXES[attempt] : deliverPrefixOf(attempt);
    }

    /** The bytes after the envelope in a deliver frame. */
    public static byte[] deliverSuffix() {
        return DELIVER_SUFFIX;
    }

    /** A whole deliver frame in one array (tests and the rare caller that needs one). */
    public static byte[] deliver(byte[] envelope, int attempt) {
        byte[] prefix = deliverPrefix(attempt);
        return new JsonBytes(prefix.length + envelope.length + 1).raw(prefix).raw(envelope).raw(DELIVER_SUFFIX).toBytes();
    }

    private static byte[] deliverPrefixOf(int attempt) {
        return ("{\"type\":\"deliver\",\"attempt\":" + attempt + ",\"message\":").getBytes(StandardCharsets.US_ASCII);
    }

    private static void list(JsonBytes out, List<String> values) {
        out.put('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.comma();
            }
            out.string(values.get(i));
        }
        out.put(']');
    }
}
