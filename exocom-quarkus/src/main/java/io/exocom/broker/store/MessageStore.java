package io.exocom.broker.store;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.Delivery;
import io.exocom.protocol.ProtocolException;

import java.util.List;

/**
 * How long accepted messages last. The broker keeps its queues in memory; a store makes what it accepted survive
 * as far as it promises, and says when it does: {@code accepted} is answered only after {@link #append}'s
 * {@link Appended#stored()}. The in-memory store promises nothing beyond the process and answers at once.
 */
public interface MessageStore {

    /** Called once, on some thread, when an append is as durable as the store promises, or cannot be. */
    interface Appended {
        void stored();

        void failed(ProtocolException why);
    }

    /** Stores an accepted message with its copies, one per receiving service. */
    void append(AcceptedMessage message, List<Delivery> copies, Appended done);

    DeadLetterStore deadLetters();

    /** A few words for the startup line and the views, e.g. "memory (not durable)". */
    String description();
}
