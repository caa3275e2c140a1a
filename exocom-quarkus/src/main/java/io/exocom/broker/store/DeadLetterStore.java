package io.exocom.broker.store;

import java.util.List;
import java.util.Optional;

/** Dead letters, oldest first, bounded in number and in bytes. Implementations are thread-safe. */
public interface DeadLetterStore {

    /**
     * Keeps a dead letter. When the store is at a bound the oldest ones make room and are returned, so that the
     * caller can report them: nothing leaves without a trace.
     */
    List<DeadLetter> add(DeadLetter deadLetter);

    Optional<DeadLetter> get(String key);

    /** Removes and returns a dead letter, for replay or discard. */
    Optional<DeadLetter> remove(String key);

    /** Up to {@code limit} dead letters, oldest first, optionally only those of one service. */
    List<DeadLetter> list(String service, int limit);

    int size();

    long bytes();
}
