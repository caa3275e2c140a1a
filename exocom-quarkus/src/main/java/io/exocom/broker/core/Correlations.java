package io.exocom.broker.core;

/**
 * Open correlations between commands and the services that received them (PROTOCOL.md §4.4–4.5): a reply from
 * service R to the command it got as id C is allowed while the correlation (R, C) is open, and goes to C's asker.
 * <p>
 * Every delivered command opens one (each delivery opens it afresh, so the reply window counts from the latest),
 * and a command nobody replies to keeps it for the whole window: at high rates there are millions. So they live in
 * {@link TimedTable}s (oldest first, 128-bit keys), split into stripes with a lock each, and their number is
 * bounded, the oldest giving way first (a late reply to one of those is refused {@code unknown-command}, counted by
 * {@link #evicted()}).
 */
final class Correlations {
    private static final int STRIPE_BITS = 4;

    /** An open correlation: who asked, and the command's id as the asker knows it. */
    record Open(Asker asker, String askerId) {
    }

    /** A rewritten delivery id keeps the asker's own id beside the asker. */
    private record Rewritten(Asker asker, String askerId) {
    }

    private final TimedTable[] stripes = new TimedTable[1 << STRIPE_BITS];
    private final long windowNanos;

    Correlations(long windowNanos, int maxOpen) {
        this.windowNanos = windowNanos;
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = TimedTable.ofReferences(Math.max(1, maxOpen / stripes.length));
        }
    }

    /**
     * Opens (or renews) the correlation of a command delivered to {@code receiver} as {@code deliveredId}.
     *
     * @param askerId the asker's id of the command when it was delivered under another id, else null
     */
    void open(String receiver, String deliveredId, Asker asker, String askerId, long nowNanos) {
        Key128 key = Key128.of(receiver, deliveredId);
        TimedTable stripe = stripes[key.stripe(STRIPE_BITS)];
        Object reference = askerId == null ? asker : new Rewritten(asker, askerId);
        synchronized (stripe) {
            stripe.put(key, nowNanos, 0, reference);
        }
    }

    /**
     * Opens the correlation of a command delivered to {@code receiver} under its sender's id, unless that id is
     * open there for another command already. The check and the opening are one look-up: every first delivery of
     * a command does both, and in a profile of fan-out the look-ups were the broker's largest single cost.
     *
     * @return false, with nothing opened, when the id is taken
     */
    boolean openIfFree(String receiver, String deliveredId, Asker asker, long nowNanos) {
        Key128 key = Key128.of(receiver, deliveredId);
        TimedTable stripe = stripes[key.stripe(STRIPE_BITS)];
        synchronized (stripe) {
            int slot = stripe.find(key);
            if (slot >= 0 && nowNanos - stripe.time(slot) <= windowNanos) {
                return false;
            }
            stripe.put(slot, key, nowNanos, 0, asker);
        }
        return true;
    }

    /** The open correlation of {@code commandId} at {@code receiver}, or null when there is none or its window passed. */
    Open find(String receiver, String commandId, long nowNanos) {
        Key128 key = Key128.of(receiver, commandId);
        TimedTable stripe = stripes[key.stripe(STRIPE_BITS)];
        Object reference;
        synchronized (stripe) {
            int slot = stripe.find(key);
            if (slot < 0 || nowNanos - stripe.time(slot) > windowNanos) {
                return null;
            }
            reference = stripe.reference(slot);
        }
        return reference instanceof Rewritten rewritten ? new Open(rewritten.asker(), rewritten.askerId())
                : new Open((Asker) reference, commandId);
    }

    /** Closes a correlation; false when another final reply closed it first. */
    boolean close(String receiver, String commandId) {
        Key128 key = Key128.of(receiver, commandId);
        TimedTable stripe = stripes[key.stripe(STRIPE_BITS)];
        synchronized (stripe) {
            return stripe.remove(key);
        }
    }

    /** An open correlation as the store keeps it: its key's fingerprint, asker, the asker's id, when it opened. */
    public record Snapshot(long hi, long lo, Asker asker, String askerId, long openedNanos) {
    }

    void forEach(java.util.function.Consumer<Snapshot> visitor) {
        for (TimedTable stripe : stripes) {
            synchronized (stripe) {
                stripe.forEach((hi, lo, time, number, reference) -> visitor.accept(reference instanceof Rewritten rewritten
                        ? new Snapshot(hi, lo, rewritten.asker(), rewritten.askerId(), time)
                        : new Snapshot(hi, lo, (Asker) reference, null, time)));
            }
        }
    }

    /** Opens a correlation recovered from storage, at {@code openedNanos} on this process's clock. */
    void restore(Key128 key, Asker asker, String askerId, long openedNanos) {
        TimedTable stripe = stripes[key.stripe(STRIPE_BITS)];
        synchronized (stripe) {
            stripe.put(key, openedNanos, 0, askerId == null ? asker : new Rewritten(asker, askerId));
        }
    }

    void forget(Key128 key) {
        TimedTable stripe = stripes[key.stripe(STRIPE_BITS)];
        synchronized (stripe) {
            stripe.remove(key);
        }
    }

    void expire(long nowNanos) {
        for (TimedTable stripe : stripes) {
            synchronized (stripe) {
                stripe.expire(nowNanos - windowNanos);
            }
        }
    }

    int size() {
        int size = 0;
        for (TimedTable stripe : stripes) {
            synchronized (stripe) {
                size += stripe.size();
            }
        }
        return size;
    }

    long evicted() {
        long evicted = 0;
        for (TimedTable stripe : stripes) {
            synchronized (stripe) {
                evicted += stripe.evicted();
            }
        }
        return evicted;
    }
}
