package io.exocom.broker.store.memory;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.Delivery;
import io.exocom.broker.store.DeadLetterStore;
import io.exocom.broker.store.MessageStore;

import java.util.List;

/**
 * Keeps nothing beyond the broker's own memory: fast, and lost when the broker stops. The README says so.
 */
public final class MemoryMessageStore implements MessageStore {
    private final DeadLetterStore deadLetters;

    public MemoryMessageStore(int maxDeadLetters, long maxDeadLetterBytes) {
        this.deadLetters = new MemoryDeadLetterStore(maxDeadLetters, maxDeadLetterBytes);
    }

    @Override
    public void append(AcceptedMessage message, List<Delivery> copies, Appended done) {
        done.stored(); // the queues in memory are all there is
    }

    @Override
    public DeadLetterStore deadLetters() {
        return deadLetters;
    }

    @Override
    public String description() {
        return "memory (not durable: accepted messages are lost when the broker stops)";
    }
}
