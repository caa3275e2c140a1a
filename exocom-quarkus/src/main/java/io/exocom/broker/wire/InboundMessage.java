package io.exocom.broker.wire;

import java.util.Map;

/**
 * An envelope as a sender gave it (PROTOCOL.md §2), validated but not yet accepted. The payload and the version are
 * kept as the JSON bytes they arrived as, never decoded: the broker only passes them on.
 *
 * @param name       the message name
 * @param version    the {@code version} value as raw JSON (a number or a quoted string), or null
 * @param payload    the {@code payload} value as raw JSON, or null when absent or JSON null
 * @param id         the sender's id, or null (allowed over HTTP only)
 * @param originId   the activity id, or null
 * @param responseTo the command replied to, or null for a command
 * @param isFinal    for replies: false when more replies follow
 * @param headers    passed through; never null
 * @param claimedSender the {@code sender} the client wrote, which ExoCom ignores except over HTTP without
 *                      authentication, where it names the sending service; or null
 */
public record InboundMessage(String name, byte[] version, byte[] payload, String id, String originId, String responseTo,
                             boolean isFinal, Map<String, String> headers, String claimedSender) {

    public boolean isReply() {
        return responseTo != null;
    }

    public InboundMessage withId(String newId) {
        return new InboundMessage(name, version, payload, newId, originId, responseTo, isFinal, headers, claimedSender);
    }

    /** Bytes of the variable parts, for the size a stored copy costs. */
    public int approximateSize() {
        int size = name.length() + (version == null ? 0 : version.length) + (payload == null ? 4 : payload.length)
                + (id == null ? 0 : id.length()) + (originId == null ? 0 : originId.length())
                + (responseTo == null ? 0 : responseTo.length());
        for (Map.Entry<String, String> header : headers.entrySet()) {
            size += header.getKey().length() + header.getValue().length() + 6;
        }
        return size;
    }
}
