package io.exocom.journal;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The completion thread: runs the appenders' callbacks in the order the writer finished them, so that a slow
 * callback never holds up writing, and no callback runs on an appending thread inside {@code append}. With
 * {@link JournalOptions#inlineCompletions()} the writer runs a small batch's callbacks itself when this thread has
 * nothing left to run: the order stays the same, and the append is answered one thread wake-up sooner.
 */
final class Completer implements Runnable {

    private static final System.Logger LOG = System.getLogger(Journal.class.getName());
    private static final long IDLE_PARK_NANOS = 100_000_000L;

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final WakeSignal signal = new WakeSignal();
    private final AvailabilityListener listener;
    private final JournalState state;
    private final int inlineLimit;
    /** Tasks submitted and not yet finished: while any is, a batch completed inline could overtake it. */
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile boolean stopping;

    Completer(AvailabilityListener listener, JournalState state, int inlineLimit) {
        this.listener = listener;
        this.state = state;
        this.inlineLimit = inlineLimit;
    }

    void start(Thread thread) {
        signal.consumer(thread);
        thread.start();
    }

    /**
     * Called by the writer only, the one thread that submits batch completions: none can be submitted between the
     * check and the inline run. An Error in an inline callback breaks the journal as it would on this thread.
     */
    void completed(List<PendingAppend> batch) {
        if (batch.size() <= inlineLimit && outstanding.get() == 0) {
            try {
                completeAll(batch);
            } catch (Error e) {
                state.brokenBy = e;
                LOG.log(Level.ERROR, "a journal completion callback failed on the writer thread: " + e, e);
                throw e;
            }
        } else {
            submit(() -> completeAll(batch));
        }
    }

    private static void completeAll(List<PendingAppend> batch) {
        for (PendingAppend append : batch) {
            if (!append.lazy()) {
                try {
                    append.done.completed(append.position);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "a journal completion callback failed; the others still run", e);
                }
            }
        }
    }

    void failed(List<PendingAppend> batch, JournalException error) {
        submit(() -> {
            for (PendingAppend append : batch) {
                failOne(append, error);
            }
        });
    }

    void failed(PendingAppend append, JournalException error) {
        submit(() -> failOne(append, error));
    }

    void availabilityChanged(boolean available, JournalUnavailableException cause) {
        submit(() -> {
            try {
                listener.availabilityChanged(available, cause);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "the journal's availability listener failed", e);
            }
        });
    }

    <T> void complete(CompletableFuture<T> future, T value, Throwable error) {
        submit(() -> {
            if (error == null) {
                future.complete(value);
            } else {
                future.completeExceptionally(error);
            }
        });
    }

    /** Runs what was submitted so far, then ends the thread. */
    void stop() {
        stopping = true;
        signal.wake();
    }

    @Override
    public void run() {
        while (true) {
            Runnable task = tasks.poll();
            if (task != null) {
                runTask(task);
                continue;
            }
            if (stopping && tasks.isEmpty()) {
                return;
            }
            signal.prepareToSleep();
            if (!tasks.isEmpty() || stopping) {
                signal.cancelSleep();
                continue;
            }
            signal.sleep(IDLE_PARK_NANOS);
        }
    }

    private void submit(Runnable task) {
        outstanding.incrementAndGet();
        tasks.add(task);
        signal.wake();
    }

    private static void failOne(PendingAppend append, JournalException error) {
        if (!append.lazy()) {
            try {
                append.done.failed(error);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a journal completion callback failed; the others still run", e);
            }
        }
    }

    private void runTask(Runnable task) {
        try {
            task.run();
            outstanding.decrementAndGet();
        } catch (RuntimeException e) {
            outstanding.decrementAndGet();
            LOG.log(Level.WARNING, "a journal completion task failed", e);
        } catch (Error e) {
            // Without this thread no append would ever be answered again: the journal stops taking appends.
            state.brokenBy = e;
            LOG.log(Level.ERROR, "the journal's completion thread stops: " + e, e);
            throw e;
        }
    }
}
