package io.exocom.broker.transport;

import org.jboss.logging.Logger;

/**
 * At most a few warnings per interval from one source (a connection), then one line saying how many were left
 * out: a client sending garbage in a loop must not fill the log. Not thread-safe: one per connection, used on its
 * event loop.
 */
final class WarningLimiter {
    private static final int PER_INTERVAL = 5;
    private static final long INTERVAL_NANOS = 10_000_000_000L;

    private final Logger log;
    private long intervalStart = System.nanoTime();
    private int inInterval;
    private int suppressed;

    WarningLimiter(Logger log) {
        this.log = log;
    }

    void warn(String line) {
        long now = System.nanoTime();
        if (now - intervalStart > INTERVAL_NANOS) {
            if (suppressed > 0) {
                log.warnf("%d more warnings like the above were left out", suppressed);
            }
            intervalStart = now;
            inInterval = 0;
            suppressed = 0;
        }
        if (inInterval++ < PER_INTERVAL) {
            log.warn(line);
        } else {
            suppressed++;
        }
    }
}
