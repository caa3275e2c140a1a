package io.exocom.broker.store;

import java.util.List;
import java.util.Optional;

/** Dead letters, oldest first. Implementations are thread-safe. */
public interface DeadLetterStore {

    /**
     * Keeps a dead letter. When the store is at its bound the oldest one makes room and is returned, so that the
     * caller can report it: nothing leaves without a trace.
     */
    Optional<DeadLetter> add(DeadLetter deadLetter);

    Optional<DeadLetter> get(String key);

    /** Removes and returns a dead letter, for replay or discard. */
    Optional<DeadLetter> remove(String key);

    /** Up to {@code limit} dead letters, oldest first, optionally only those of one service. */
    List<DeadLetter> list(String service, int limit);

    int size();
}
