package io.exocom.journal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One append waiting for the writer. Extends AtomicInteger for its claim state (queued, claimed by the writer, or
 * cancelled by an appender that found the journal closed) so that an append costs one object, not two, and needs no
 * reflective field updater in the native image.
 */
final class PendingAppend extends AtomicInteger {

    private static final int QUEUED = 0;
    private static final int CLAIMED = 1;
    private static final int CANCELLED = 2;

    final int type;
    final byte[] payload;
    /** Null for a lazy record. */
    final Completion done;
    long position;

    PendingAppend(int type, byte[] payload, Completion done) {
        this.type = type;
        this.payload = payload;
        this.done = done;
    }

    boolean lazy() {
        return done == null;
    }

    int size() {
        return RecordFormat.sizeOf(payload.length);
    }

    /** Writer: takes the append; false when the appender cancelled it. */
    boolean claim() {
        return compareAndSet(QUEUED, CLAIMED);
    }

    /** Appender: takes the append back; false when the writer already has it. */
    boolean cancel() {
        return compareAndSet(QUEUED, CANCELLED);
    }
}
