package io.exocom.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import java.util.Map;
import java.util.Objects;

/**
 * One message as PROTOCOL.md §2 defines it. Immutable; {@code with...} methods return copies.
 *
 * @param name       what the message is, in the domain's words
 * @param version    version of the API talked to (a number or string node), or null
 * @param payload    the data; never null ({@link NullNode} when absent)
 * @param id         unique id of this message
 * @param timestamp  unix nanoseconds set by ExoCom on acceptance; 0 before
 * @param originId   id of the activity that caused this message, or null before acceptance
 * @param responseTo id of the command replied to; null for commands
 * @param sender     registered service name of the sender, set by ExoCom
 * @param isFinal    for replies: false when more replies to the same command follow
 * @param headers    passed through unchanged; never null
 */
public record Envelope(
        String name,
        JsonNode version,
        JsonNode payload,
        String id,
        long timestamp,
        String originId,
        String responseTo,
        String sender,
        boolean isFinal,
        Map<String, String> headers) {

    public Envelope {
        Objects.requireNonNull(name, "name");
        payload = payload == null ? NullNode.getInstance() : payload;
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** A new command (or event) with the given name and payload and no id yet. */
    public static Envelope command(String name, JsonNode payload) {
        return new Envelope(name, null, payload, null, 0, null, null, null, true, Map.of());
    }

    /** True when this message replies to a command. */
    public boolean isReply() {
        return responseTo != null;
    }

    public Envelope withId(String newId) {
        return new Envelope(name, version, payload, newId, timestamp, originId, responseTo, sender, isFinal, headers);
    }

    public Envelope withOriginId(String newOriginId) {
        return new Envelope(name, version, payload, id, timestamp, newOriginId, responseTo, sender, isFinal, headers);
    }

    public Envelope withResponseTo(String commandId, boolean last) {
        return new Envelope(name, version, payload, id, timestamp, originId, commandId, sender, last, headers);
    }

    public Envelope withVersion(JsonNode newVersion) {
        return new Envelope(name, newVersion, payload, id, timestamp, originId, responseTo, sender, isFinal, headers);
    }

    public Envelope withHeaders(Map<String, String> newHeaders) {
        return new Envelope(name, version, payload, id, timestamp, originId, responseTo, sender, isFinal, newHeaders);
    }

    /** The envelope as ExoCom accepted it: stamped with time and sender, originId defaulted to id. */
    public Envelope accepted(long acceptedAtNanos, String senderService) {
        return new Envelope(name, version, payload, id, acceptedAtNanos, originId == null ? id : originId,
                responseTo, senderService, isFinal, headers);
    }
}
