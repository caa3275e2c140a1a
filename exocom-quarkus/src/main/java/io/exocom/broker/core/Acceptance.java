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
}
