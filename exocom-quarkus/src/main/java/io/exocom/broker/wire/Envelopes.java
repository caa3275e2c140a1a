package io.exocom.broker.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Writes the envelope of an accepted message (PROTOCOL.md §2) as the JSON bytes every delivery of it carries:
 * written once at acceptance, shared by every copy and attempt. The payload and version go in as the bytes they
 * arrived as.
 */
public final class Envelopes {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private Envelopes() {
    }

    /**
     * @param id         the id to deliver it under (the sender's)
     * @param responseTo for replies, the asker's own id of the command replied to; null for commands
     */
    public static byte[] stamp(InboundMessage message, String id, long timestamp, String originId, String responseTo,
                               String sender) {
        byte[] payload = message.payload();
        JsonBytes out = new JsonBytes(96 + message.approximateSize());
        out.put('{').field("name").string(message.name());
        if (message.version() != null) {
            out.comma().field("version").raw(message.version());
        }
        out.comma().field("payload");
        if (payload == null) {
            out.ascii("null");
        } else {
            out.raw(payload);
        }
        out.comma().field("id").string(id)
                .comma().field("timestamp").number(timestamp)
                .comma().field("originId").string(originId);
        if (responseTo != null) {
            out.comma().field("responseTo").string(responseTo);
        }
        out.comma().field("sender").string(sender);
        if (responseTo != null) {
            out.comma().field("final").bool(message.isFinal());
        }
        if (!message.headers().isEmpty()) {
            out.comma().field("headers").put('{');
            boolean first = true;
            for (Map.Entry<String, String> header : message.headers().entrySet()) {
                if (!first) {
                    out.comma();
                }
                out.field(header.getKey()).string(header.getValue());
                first = false;
            }
            out.put('}');
        }
        return out.put('}').toBytes();
    }

    /**
     * The same envelope under another id: for the rare copy whose id collides with another sender's at its
     * receiving service (PROTOCOL.md §2). Splices the new id in place of the top-level one.
     */
    public static byte[] withId(byte[] envelope, String newId) {
        try (JsonParser parser = JSON.createParser(envelope)) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if ("id".equals(field)) {
                    int start = (int) parser.currentTokenLocation().getByteOffset();
                    parser.finishToken();
                    int end = (int) parser.currentLocation().getByteOffset();
                    JsonBytes out = new JsonBytes(envelope.length + newId.length() + 8);
                    out.raw(envelope, 0, start).string(newId).raw(envelope, end, envelope.length - end);
                    return out.toBytes();
                }
                parser.skipChildren();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalArgumentException("envelope without id");
    }
}
