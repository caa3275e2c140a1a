package io.exocom.broker.config;

/**
 * The default of {@code EXOCOM_MAX_TOTAL_BYTES}: what the broker's messages may take of the heap once the tables
 * of remembered ids and open correlations are counted at their bounds.
 * <p>
 * Why not simply a quarter of the heap: those tables are bounded by entries, not bytes, and at their defaults (a
 * million each) they take about 95 MB, over a third of {@code bin/exocom}'s 256 MiB heap. With a quarter of the
 * heap for messages besides, the full benchmark's 10 KB fan-out through the journal reached that bound and the
 * broker ran out of heap. So messages get a quarter of what the tables leave, and never less than a sixteenth of
 * the heap.
 */
public final class MemoryDefaults {
    /** What one remembered id takes at most, its share of the table's index included (see {@code TimedTable}). */
    static final long BYTES_PER_REMEMBERED_ID = 50;
    /** What one open correlation takes at most, likewise. */
    static final long BYTES_PER_CORRELATION = 45;

    private MemoryDefaults() {
    }

    /** The default bound of all messages' copies, for a heap of {@code heapBytes} and the tables' bounds. */
    public static long maxTotalBytes(long heapBytes, int dedupMaxEntries, int maxCorrelations) {
        long tables = dedupMaxEntries * BYTES_PER_REMEMBERED_ID + maxCorrelations * BYTES_PER_CORRELATION;
        return Math.max(heapBytes / 16, (heapBytes - tables) / 4);
    }
}
