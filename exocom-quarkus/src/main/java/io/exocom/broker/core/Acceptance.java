package io.exocom.broker.core;

import io.exocom.protocol.ProtocolException;

/**
 * The answer to one send, given exactly once (PROTOCOL.md §3): {@code accepted} when the message is stored as the
 * configured store promises, {@code rejected} otherwise. Called on whatever thread decided (an event loop, the
 * store's completion thread): implementations hand the answer to the sender without blocking.
 */
public interface Acceptance {

    /** @param timestamp the acceptance time in unix nanoseconds (the first one, for a repeated id) */
    void accepted(long timestamp);

    void rejected(ProtocolException rejection);

    /**
     * Whether the sender was told (protocol 1.3, PROTOCOL.md §5.5) that a command's copies may reach their receivers
     * while the store is still making it durable, and so that a {@code storage-unavailable} answer may come for a
     * command that was delivered. Senders that were not (older relays, HTTP) keep delivery after the store.
     */
    default boolean deliversWhileStoring() {
        return false;
    }
}
