package io.exocom.broker.core;

import io.exocom.protocol.ProtocolException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Remembers the ids each service sent within the de-duplication window (PROTOCOL.md §5.3), so that a repeated
 * send is answered with the first timestamp and not delivered again.
 * <p>
 * The decision and its outcome are one step: a send whose id is new becomes <em>pending</em> until the broker has
 * stored or refused it ({@link #complete}, {@link #fail}); a duplicate that arrives meanwhile waits for that outcome
 * and gets the same answer, so it can never be told {@code accepted} for a first copy that was then refused. A
 * refused id leaves no trace. Bounded: beyond {@code maxEntries} the oldest ids are forgotten early. Striped with a
 * lock each; the memory is a {@link TimedTable} of 128-bit fingerprints.
 */
final class Deduplicator {
    private static final int STRIPE_BITS = 4;

    private final Stripe[] stripes = new Stripe[1 << STRIPE_BITS];
    private final long windowNanos;

    /** A send being decided; its duplicates wait here. */
    static final class Pending {
        private final Key128 key;
        private final Stripe stripe;
        private List<Acceptance> duplicates;

        private Pending(Key128 key, Stripe stripe) {
            this.key = key;
            this.stripe = stripe;
        }
    }

    private static final class Stripe {
        final TimedTable remembered;
        final Map<Key128, Pending> pending = new HashMap<>();

        Stripe(int maxEntries) {
            remembered = TimedTable.ofNumbers(maxEntries);
        }
    }

    Deduplicator(long windowNanos, int maxEntries) {
        this.windowNanos = windowNanos;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Stripe(Math.max(1, maxEntries / stripes.length));
        }
    }

    /**
     * Looks a send up. A known id is answered {@code accepted} with its first timestamp at once; a duplicate of a
     * send being decided is answered when that one is.
     *
     * @return the pending send the caller must {@link #complete} or {@link #fail}; null when the answer is given or
     * will be given by another send's outcome
     */
    Pending begin(String sender, String id, Acceptance answer, long nowNanos) {
        Key128 key = Key128.of(sender, id);
        Stripe stripe = stripes[key.stripe(STRIPE_BITS)];
        long firstTimestamp;
        synchronized (stripe) {
            int slot = stripe.remembered.find(key);
            if (slot >= 0 && nowNanos - stripe.remembered.time(slot) <= windowNanos) {
                firstTimestamp = stripe.remembered.number(slot);
            } else {
                Pending decided = stripe.pending.get(key);
                if (decided != null) {
                    if (decided.duplicates == null) {
                        decided.duplicates = new ArrayList<>(2);
                    }
                    decided.duplicates.add(answer);
                    return null;
                }
                Pending fresh = new Pending(key, stripe);
                stripe.pending.put(key, fresh);
                return fresh;
            }
        }
        answer.accepted(firstTimestamp);
        return null;
    }

    /** The send was accepted: remember its id, and answer its duplicates. */
    void complete(Pending pending, long timestamp, long nowNanos) {
        List<Acceptance> duplicates;
        synchronized (pending.stripe) {
            pending.stripe.pending.remove(pending.key);
            pending.stripe.remembered.put(pending.key, nowNanos, timestamp, null);
            duplicates = pending.duplicates;
        }
        if (duplicates != null) {
            duplicates.forEach(duplicate -> duplicate.accepted(timestamp));
        }
    }

    /** The send was refused: forget it, and give its duplicates the same answer. */
    void fail(Pending pending, ProtocolException rejection) {
        List<Acceptance> duplicates;
        synchronized (pending.stripe) {
            pending.stripe.pending.remove(pending.key);
            duplicates = pending.duplicates;
        }
        if (duplicates != null) {
            duplicates.forEach(duplicate -> duplicate.rejected(rejection));
        }
    }

    /** Remembers an id recovered from storage, as accepted at {@code rememberedNanos} on this process's clock. */
    void restore(Key128 key, long timestamp, long rememberedNanos) {
        Stripe stripe = stripes[key.stripe(STRIPE_BITS)];
        synchronized (stripe) {
            stripe.remembered.put(key, rememberedNanos, timestamp, null);
        }
    }

    /** Every remembered id: its fingerprint, first timestamp and when it was remembered (this process's clock). */
    void forEach(TimedTable.Visitor visitor) {
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                stripe.remembered.forEach(visitor);
            }
        }
    }

    void expire(long nowNanos) {
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                stripe.remembered.expire(nowNanos - windowNanos);
            }
        }
    }

    int size() {
        int size = 0;
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                size += stripe.remembered.size();
            }
        }
        return size;
    }

    /** Sends being decided right now. */
    int pending() {
        int pending = 0;
        for (Stripe stripe : stripes) {
            synchronized (stripe) {
                pending += stripe.pending.size();
            }
        }
        return pending;
    }
}
