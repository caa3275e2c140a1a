package io.exocom.broker.core;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The broker-wide bound on what accepted messages may occupy (PROTOCOL.md §4.3): every copy queued or in flight
 * counts its size until it is settled, so that no mix of services and queue bounds can take the broker past its
 * memory and down with an OutOfMemoryError, losing every service's messages.
 */
final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    MemoryBudget(long limit) {
        this.limit = limit;
    }

    boolean tryReserve(long bytes) {
        while (true) {
            long current = used.get();
            if (current + bytes > limit) {
                return false;
            }
            if (used.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    /** Counts what recovery takes up, even past the limit: it was accepted, so it is kept. */
    void forceReserve(long bytes) {
        used.addAndGet(bytes);
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }

    long limit() {
        return limit;
    }
}
