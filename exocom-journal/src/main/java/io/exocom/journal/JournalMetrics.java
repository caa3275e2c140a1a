package io.exocom.journal;

/**
 * Counters since the journal was opened, read as plain values (the broker exports them as it likes).
 *
 * @param bytesWritten        record bytes written to segment files
 * @param records             records written (durable and lazy)
 * @param batches             writes of one group (one or more records)
 * @param syncs               forces of a segment file (batches in sync mode ALWAYS, lazy syncs, rolls)
 * @param lastSyncNanos       how long the last force took
 * @param avgSyncNanos        average force time
 * @param syncNanos           time spent in forces, all of them together
 * @param avgRecordsPerBatch  records per batch, averaged
 * @param avgBytesPerBatch    bytes per batch, averaged
 * @param failedBatches       batches that failed with an I/O error
 * @param lazyRecordsDropped  lazy records not written because the journal was unavailable
 * @param queuedAppends       appends waiting for the writer right now (approximate)
 */
public record JournalMetrics(long bytesWritten, long records, long batches, long syncs, long lastSyncNanos,
                             long avgSyncNanos, long syncNanos, double avgRecordsPerBatch, double avgBytesPerBatch,
                             long failedBatches, long lazyRecordsDropped, long queuedAppends) {
}
