package io.exocom.relay;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The relay's worker threads: they run handlers, reply callbacks and the callbacks callers attach to sends.
 *
 * <p>Why not a cached thread pool: it hands every task to a parked thread through a {@code SynchronousQueue},
 * so each delivery and each reply woke a thread, and waking threads was the largest cost of the relay's
 * request/reply path (in a CPU profile of relay request/reply throughput, parking and unparking threads held
 * about half of the relay's samples). Here tasks wait in one queue, and a worker that finished a task takes the
 * next one without parking. A thread is woken only when nobody is looking for work already, so a burst of
 * deliveries read in one go costs a few wake-ups instead of one per delivery.
 *
 * <p>Tasks may block (handlers may): whenever a worker takes a task while others wait and no other worker is
 * looking for work, it first wakes (or starts) one more. So a blocked task never holds up the tasks queued behind
 * it: as many run at once as are queued, as with the cached pool. Threads idle for a minute end.
 */
final class Workers implements Executor {
    /** How long an idle worker waits for work before its thread ends. */
    static final long KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /**
     * How often a worker that found the queue empty checks it again before it parks: about a few microseconds,
     * shorter than a park and wake-up, long enough to catch the next task of a burst that is still being read.
     */
    private static final int SPINS = 64;

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Workers awake and not running a task (looking for one), including one being woken or started. */
    private final AtomicInteger searching = new AtomicInteger();
    /** Parked workers, the most recently parked first: it is the one most likely still in the CPU's caches. */
    private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();
    private final ThreadFactory threads;
    private final long keepAliveNanos;
    private final AtomicInteger alive = new AtomicInteger();
    private volatile boolean shutdown;

    Workers(ThreadFactory threads) {
        this(threads, KEEP_ALIVE_NANOS);
    }

    Workers(ThreadFactory threads, long keepAliveNanos) {
        this.threads = threads;
        this.keepAliveNanos = keepAliveNanos;
    }

    /** Queues {@code task} for a worker; rejected after {@link #shutdown()}. */
    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("the relay's workers are shut down");
        }
        tasks.add(task);
        if (searching.get() == 0) {
            signal();
        }
    }

    /** Tasks already queued still run; new ones are rejected; workers end once the queue is empty. */
    void shutdown() {
        shutdown = true;
        for (Worker worker; (worker = idle.pollFirst()) != null; ) {
            // Counted as searching, as every woken worker is: it finds the queue empty and ends.
            searching.incrementAndGet();
            worker.wake();
        }
    }

    /** Threads alive now (running, looking for work or parked): for tests. */
    int threads() {
        return alive.get();
    }

    /** Makes sure one worker is looking for work: wakes a parked one, or starts a thread. */
    private void signal() {
        // Only the caller that moves the count from 0 wakes someone: concurrent submitters do not all wake one.
        if (!searching.compareAndSet(0, 1)) {
            return;
        }
        Worker parked = idle.pollFirst();
        if (parked != null) {
            parked.wake();
            return;
        }
        Worker worker = new Worker();
        Thread thread = threads.newThread(worker);
        alive.incrementAndGet();
        try {
            thread.start();
        } catch (Throwable e) {
            alive.decrementAndGet();
            searching.decrementAndGet();
            throw e;
        }
    }

    private final class Worker implements Runnable {
        private volatile Thread thread;
        private volatile boolean woken;

        void wake() {
            woken = true;
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            try {
                // Counted in `searching` by whoever started this thread.
                while (true) {
                    Runnable task = take();
                    if (task == null) {
                        return;
                    }
                    // From here on this worker runs a task and no longer looks for work: when it was the last
                    // one looking and more work waits, someone else must look, or a blocking task would hold
                    // up the queue.
                    if (searching.decrementAndGet() == 0 && !tasks.isEmpty()) {
                        signal();
                    }
                    try {
                        task.run();
                    } catch (Throwable error) {
                        thread.getUncaughtExceptionHandler().uncaughtException(thread, error);
                    }
                    searching.incrementAndGet();
                }
            } finally {
                alive.decrementAndGet();
            }
        }

        /**
         * The next task, while counted as searching; null when this thread ends (idle too long, or shut down),
         * and then it no longer counts.
         */
        private Runnable take() {
            while (true) {
                for (int spin = 0; ; spin++) {
                    Runnable task = tasks.poll();
                    if (task != null) {
                        return task;
                    }
                    if (spin == SPINS) {
                        break;
                    }
                    Thread.onSpinWait();
                }
                // Stop searching, then look once more: a task queued while the count was still ours was not
                // signalled, and would wait for the next submit without this check.
                searching.decrementAndGet();
                if (!tasks.isEmpty()) {
                    searching.incrementAndGet();
                    continue;
                }
                if (shutdown) {
                    return null;
                }
                if (!park()) {
                    return null;
                }
                // Whoever woke this worker counted it as searching.
            }
        }

        /** Parks until woken; false when idle for the keep-alive time (or shut down) and not woken. */
        private boolean park() {
            woken = false;
            idle.addFirst(this);
            if (shutdown && idle.remove(this)) {
                return false;
            }
            long deadline = System.nanoTime() + keepAliveNanos;
            while (!woken) {
                long left = deadline - System.nanoTime();
                if (left <= 0 && idle.remove(this)) {
                    return false;
                }
                // When remove failed, a waker took this worker off the list: it sets `woken` at once.
                LockSupport.parkNanos(this, Math.max(left, 1000));
            }
            return true;
        }
    }
}
