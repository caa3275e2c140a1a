package io.exocom.broker.core;

import java.time.Duration;

/**
 * The numbers that shape delivery. Defaults are those of PROTOCOL.md.
 *
 * @param maxQueueDepth    waiting copies per receiving service before commands are rejected {@code queue-full}
 * @param maxQueueBytes    bytes of waiting copies per receiving service before commands are rejected
 * @param maxTotalBytes    bytes of copies queued or in flight in the whole broker before commands are rejected
 * @param ackTimeout       how long a delivery may stay unacknowledged before it is delivered again
 * @param maxAttempts      deliveries of one copy before it becomes a dead letter
 * @param replyWindow      how long a command's correlation stays open for replies
 * @param dedupWindow      how long an accepted id is remembered per sending service
 * @param dedupMaxEntries  bound of the de-duplication memory; the oldest ids are forgotten first
 * @param affinityEntries  originIds remembered per service for activity affinity
 * @param maxCorrelations  bound of the open reply correlations; the oldest are dropped first
 */
public record BrokerSettings(int maxQueueDepth, long maxQueueBytes, long maxTotalBytes, Duration ackTimeout,
                             int maxAttempts, Duration replyWindow, Duration dedupWindow, int dedupMaxEntries,
                             int affinityEntries, int maxCorrelations) {

    public static BrokerSettings defaults() {
        return new BrokerSettings(10_000, 64L << 20, 256L << 20, Duration.ofSeconds(60), 5, Duration.ofMinutes(10),
                Duration.ofMinutes(10), 1_000_000, 10_000, 1_000_000);
    }
}
