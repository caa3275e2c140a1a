package io.exocom.broker.core;

import io.exocom.protocol.Envelope;

/**
 * A message as ExoCom accepted it: stamped, validated and encoded to JSON exactly once, so that every copy and
 * every delivery attempt reuses the same text.
 *
 * @param envelope       the accepted envelope (timestamp, sender and originId set)
 * @param json           {@code envelope} as JSON, the {@code message} of every deliver frame
 * @param senderInstance the instance that sent it, or null when it came over HTTP
 * @param sequence       acceptance order across the broker, used to keep each queue in that order
 * @param acceptedNanos  {@link System#nanoTime()} at acceptance, for the acceptance-to-delivery histogram
 */
public record AcceptedMessage(Envelope envelope, String json, String senderInstance, long sequence, long acceptedNanos) {

    public String id() {
        return envelope.id();
    }

    public String name() {
        return envelope.name();
    }

    public String sender() {
        return envelope.sender();
    }

    public boolean isReply() {
        return envelope.isReply();
    }
}
