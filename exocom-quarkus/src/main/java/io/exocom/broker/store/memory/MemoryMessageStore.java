package io.exocom.broker.store.memory;

import io.exocom.broker.store.DeadLetterStore;
import io.exocom.broker.store.MessageStore;
import io.exocom.broker.store.PendingQueue;

/**
 * Keeps everything in the broker's memory: fast, and lost when the broker stops. The README says so.
 */
public final class MemoryMessageStore implements MessageStore {
    private final DeadLetterStore deadLetters;

    public MemoryMessageStore(int maxDeadLetters) {
        this.deadLetters = new MemoryDeadLetterStore(maxDeadLetters);
    }

    @Override
    public PendingQueue pendingQueue(String service) {
        return new MemoryPendingQueue();
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
