package io.exocom.broker.store.journal;

/**
 * The kinds of records the journal store writes (PROTOCOL.md §5.5; the README's Delivery guarantees).
 * <ul>
 *   <li>{@link #MESSAGE}: an accepted message, its envelope and its copies with their state. Durable: it is what
 *       {@code accepted} promises. Written again, with the copies' current state, when its segment is compacted;
 *       a later record of the same message supersedes earlier ones.</li>
 *   <li>{@link #DELIVERED}, {@link #SETTLED}, {@link #DEAD}, {@link #REPLAYED}: what became of one copy. Lazy:
 *       written with the next batch; one lost in a crash means a copy delivered once more, which at-least-once
 *       allows, never a copy lost.</li>
 *   <li>{@link #WINDOW_IDS}, {@link #WINDOW_CORRELATIONS}: the de-duplication ids and open correlations in memory,
 *       written before old segments are deleted, so that windows outlive the messages they came from.</li>
 * </ul>
 */
final class StoreRecord {
    static final int MESSAGE = 1;
    static final int DELIVERED = 2;
    static final int SETTLED = 3;
    static final int DEAD = 4;
    static final int REPLAYED = 5;
    static final int WINDOW_IDS = 6;
    static final int WINDOW_CORRELATIONS = 7;

    private StoreRecord() {
    }
}
