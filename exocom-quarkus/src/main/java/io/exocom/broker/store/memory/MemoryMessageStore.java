package io.exocom.broker.store.memory;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.Delivery;
import io.exocom.broker.store.DeadLetter;
import io.exocom.broker.store.DeadLetterStore;
import io.exocom.broker.store.MessageStore;
import io.exocom.broker.store.Recovered;

import java.util.List;

/**
 * Keeps nothing beyond the broker's own memory: fast, and lost when the broker stops (EXOCOM_STORE=memory). The
 * startup line and the README say so.
 */
public final class MemoryMessageStore implements MessageStore {
    private final DeadLetterStore deadLetters;

    public MemoryMessageStore(int maxDeadLetters, long maxDeadLetterBytes) {
        this(new MemoryDeadLetterStore(maxDeadLetters, maxDeadLetterBytes));
    }

    public MemoryMessageStore(DeadLetterStore deadLetters) {
        this.deadLetters = deadLetters;
    }

    @Override
    public void append(AcceptedMessage message, List<Delivery> copies, Appended done) {
        done.stored(); // the queues in memory are all there is
    }

    @Override
    public void delivered(Delivery copy) {
    }

    @Override
    public void settled(Delivery copy) {
    }

    @Override
    public void deadLettered(DeadLetter letter) {
    }

    @Override
    public void replayed(DeadLetter letter, Delivery again) {
    }

    @Override
    public DeadLetterStore deadLetters() {
        return deadLetters;
    }

    @Override
    public Recovered recover() {
        return Recovered.nothing("nothing to recover: the memory store keeps nothing across restarts");
    }

    @Override
    public void maintain() {
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public String description() {
        return "memory (NOT durable: accepted messages are lost when the broker stops; EXOCOM_STORE=journal keeps them)";
    }

    @Override
    public void close() {
    }
}
