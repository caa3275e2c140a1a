package io.exocom.relay;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential back-off with jitter for reconnecting: the n-th delay lies between half and all of
 * {@code min * 2^n}, capped at {@code max}, so that many relays losing ExoCom at once do not return in step.
 */
final class Backoff {
    private final long minMillis;
    private final long maxMillis;
    private int failures;

    Backoff(Duration min, Duration max) {
        this.minMillis = Math.max(1, min.toMillis());
        this.maxMillis = Math.max(minMillis, max.toMillis());
    }

    /** The delay before the next attempt; each call doubles the next one, up to the maximum. */
    synchronized long nextDelayMillis() {
        long ceiling = failures >= 30 ? maxMillis : Math.min(maxMillis, minMillis << failures);
        failures++;
        long half = ceiling / 2;
        return half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
    }

    /** After a successful connection: start again from the minimum. */
    synchronized void reset() {
        failures = 0;
    }
}
