package io.exocom.journal;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link JournalMetrics}: written by the writer thread only, read by anyone. */
final class WriterMetrics {

    volatile long bytesWritten;
    volatile long records;
    volatile long batches;
    volatile long syncs;
    volatile long lastSyncNanos;
    volatile long totalSyncNanos;
    volatile long failedBatches;
    volatile long lazyRecordsDropped;
    /** Changed by appenders (+1) and the writer (-1), hence an adder. */
    final LongAdder queued = new LongAdder();

    void batchWritten(int recordCount, long bytes) {
        records += recordCount;
        bytesWritten += bytes;
        batches++;
    }

    void synced(long nanos) {
        syncs++;
        lastSyncNanos = nanos;
        totalSyncNanos += nanos;
    }

    JournalMetrics snapshot() {
        long batchCount = batches;
        long syncCount = syncs;
        return new JournalMetrics(bytesWritten, records, batchCount, syncCount, lastSyncNanos,
                syncCount == 0 ? 0 : totalSyncNanos / syncCount, totalSyncNanos,
                batchCount == 0 ? 0 : (double) records / batchCount,
                batchCount == 0 ? 0 : (double) bytesWritten / batchCount,
                failedBatches, lazyRecordsDropped, Math.max(0, queued.sum()));
    }
}
