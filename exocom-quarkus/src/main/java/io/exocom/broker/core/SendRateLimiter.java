package io.exocom.broker.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends per second per service (all its instances and HTTP senders together), as a token bucket holding one
 * second's worth: a service may burst up to its rate at once, and beyond it each send is refused
 * {@code rate-limited} with the time until the next token, so that one runaway service cannot crowd out the others
 * (README, Security). It also counts the sends of each service, for the send-rate alarm.
 */
public final class SendRateLimiter {
    private final double perSecond;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** @param perSecond sends per second per service; 0 for no limit (sends are still counted) */
    public SendRateLimiter(double perSecond) {
        this.perSecond = perSecond;
    }

    public double perSecond() {
        return perSecond;
    }

    private final class Bucket {
        final AtomicLong sent = new AtomicLong();
        double tokens = perSecond;
        long refilledAt = System.nanoTime();

        /** 0 when a token was taken, else nanoseconds until one is there. */
        synchronized long take(long now) {
            tokens = Math.min(perSecond, tokens + (now - refilledAt) * perSecond / TimeUnit.SECONDS.toNanos(1));
            refilledAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) * TimeUnit.SECONDS.toNanos(1) / perSecond));
        }
    }

    /** Takes a token for one send of {@code service}: 0 when it may go on, else nanoseconds to wait. */
    public long tryAcquire(String service, long now) {
        Bucket bucket = buckets.computeIfAbsent(service, s -> new Bucket());
        if (perSecond <= 0) {
            bucket.sent.incrementAndGet();
            return 0;
        }
        long wait = bucket.take(now);
        if (wait == 0) {
            bucket.sent.incrementAndGet();
        }
        return wait;
    }

    /** Accepted-for-routing sends of each service so far (monotonic), for rate watching. */
    public Map<String, Long> sentSoFar() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        buckets.forEach((service, bucket) -> counts.put(service, bucket.sent.get()));
        return counts;
    }
}
