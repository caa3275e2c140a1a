package io.exocom.journal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets producers wake one consumer thread without a lock and without an unpark per item: the consumer announces
 * that it is about to sleep, checks for work once more, then parks; producers unpark it only when it announced.
 */
final class WakeSignal {

    private final AtomicBoolean sleeping = new AtomicBoolean();
    private volatile Thread consumer;

    void consumer(Thread thread) {
        this.consumer = thread;
    }

    void wake() {
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            LockSupport.unpark(consumer);
        }
    }

    /** Consumer: call before the last look for work. */
    void prepareToSleep() {
        sleeping.set(true);
    }

    /** Consumer: there was work after all. */
    void cancelSleep() {
        sleeping.set(false);
    }

    /** Consumer: sleeps until woken or {@code nanos} pass. */
    void sleep(long nanos) {
        if (sleeping.get()) {
            LockSupport.parkNanos(this, Math.max(nanos, 1));
        }
        sleeping.set(false);
    }
}
