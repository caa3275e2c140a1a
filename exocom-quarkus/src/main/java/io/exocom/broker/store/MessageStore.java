package io.exocom.broker.store;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.Delivery;
import io.exocom.protocol.ProtocolException;

import java.util.List;

/**
 * How long accepted messages last. The broker keeps its queues in memory; a store makes what it accepted survive
 * as far as it promises, and says when it does: {@code accepted} is answered only after {@link #append}'s
 * {@link Appended#stored()}. The broker tells it what becomes of each copy (delivered, settled, dead-lettered), and
 * at start it gives back what it holds ({@link #recover()}). The in-memory store keeps nothing beyond the process;
 * the journal store (PROTOCOL.md §5.5) writes everything to disk.
 * <p>
 * Every method but {@link #recover()} and {@link #maintain()} is called on the hot path, often under a service's
 * lock: none may block.
 */
public interface MessageStore extends AutoCloseable {

    /** Called once, on some thread, when an append is as durable as the store promises, or cannot be. */
    interface Appended {
        void stored();

        void failed(ProtocolException why);
    }

    /** Stores an accepted message with its copies, one per receiving service. */
    void append(AcceptedMessage message, List<Delivery> copies, Appended done);

    /** A copy went to an instance: its attempt count (and, the first time, the id it goes under) changed. */
    void delivered(Delivery copy);

    /** A copy's journey ended: acked, handed to an HTTP request, dropped, or a dead letter discarded. */
    void settled(Delivery copy);

    /** A copy became a dead letter: it is kept, as one. */
    void deadLettered(DeadLetter letter);

    /** A dead letter goes back into its queue as {@code again}. */
    void replayed(DeadLetter letter, Delivery again);

    DeadLetterStore deadLetters();

    /** What the store held when the broker last stopped; called once, before anything else. */
    Recovered recover();

    /** Housekeeping (reclaiming space); called about once a second from the broker's housekeeping thread. */
    void maintain();

    /** Whether the store can take messages now; when not, sends are refused {@code storage-unavailable}. */
    boolean isAvailable();

    /** A few words for the startup line and the views, e.g. "memory (not durable)". */
    String description();

    @Override
    void close();
}
