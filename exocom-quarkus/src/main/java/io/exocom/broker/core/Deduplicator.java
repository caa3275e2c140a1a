package io.exocom.broker.core;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Remembers the ids each service sent within the de-duplication window (PROTOCOL.md §5.3), so that a repeated
 * send is answered with the first timestamp and not delivered again. Bounded: beyond {@code maxEntries} the
 * oldest ids are forgotten early, which keeps memory flat under any load.
 */
final class Deduplicator {

    private record Remembered(String key, long timestamp, long rememberedNanos) {
    }

    private final Map<String, Remembered> seen = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Remembered> byAge = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final long windowNanos;
    private final int maxEntries;

    Deduplicator(long windowNanos, int maxEntries) {
        this.windowNanos = windowNanos;
        this.maxEntries = maxEntries;
    }

    static String key(String service, String id) {
        return service + '\u0000' + id;
    }

    /**
     * Remembers {@code key} with its timestamp unless it is already known.
     *
     * @return the timestamp of the first acceptance when the key is known, else 0
     */
    long rememberOrGetFirst(String key, long timestamp, long nowNanos) {
        Remembered fresh = new Remembered(key, timestamp, nowNanos);
        Remembered first = seen.putIfAbsent(key, fresh);
        if (first != null && nowNanos - first.rememberedNanos() <= windowNanos) {
            return first.timestamp();
        }
        if (first != null) {
            seen.put(key, fresh); // an expired entry the sweeper has not reached yet
        } else {
            size.incrementAndGet();
        }
        byAge.add(fresh);
        // entries forgotten after a rejection are still queued by age: skip past them until under the bound
        while (size.get() > maxEntries && evictOldest()) {
            // keep evicting
        }
        return 0;
    }

    /** Forgets a key again: its send was rejected, so a retry must be judged afresh. */
    void forget(String key, long timestamp) {
        Remembered entry = seen.get(key);
        if (entry != null && entry.timestamp() == timestamp && seen.remove(key, entry)) {
            size.decrementAndGet();
        }
    }

    void expire(long nowNanos) {
        Remembered oldest;
        while ((oldest = byAge.peek()) != null
                && (nowNanos - oldest.rememberedNanos() > windowNanos || size.get() > maxEntries)) {
            evictOldest();
        }
    }

    /** @return false when nothing was left to evict */
    private boolean evictOldest() {
        Remembered oldest = byAge.poll();
        if (oldest == null) {
            return false;
        }
        if (seen.remove(oldest.key(), oldest)) {
            size.decrementAndGet();
        }
        return true;
    }

    int size() {
        return size.get();
    }
}
