package io.exocom.journal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Collects what {@link Completion}s are told, on whatever thread, for the test thread to look at: the outcome of
 * each append by its tag, in the order they arrived, with the thread that delivered it.
 */
final class Outcomes {

    static final Duration PATIENCE = Duration.ofSeconds(30);

    record Outcome(String tag, long position, JournalException error, String thread) {
        boolean completed() {
            return error == null;
        }
    }

    private final List<Outcome> outcomes = new ArrayList<>();

    Completion completion(String tag) {
        return new Completion() {
            @Override
            public void completed(long position) {
                add(new Outcome(tag, position, null, Thread.currentThread().getName()));
            }

            @Override
            public void failed(JournalException error) {
                add(new Outcome(tag, -1, error, Thread.currentThread().getName()));
            }
        };
    }

    private synchronized void add(Outcome outcome) {
        outcomes.add(outcome);
        notifyAll();
    }

    /** Waits until {@code count} outcomes arrived (a generous upper bound, not a timing assertion). */
    synchronized List<Outcome> await(int count) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (outcomes.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("only " + outcomes.size() + " of " + count + " appends were answered");
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return List.copyOf(outcomes);
    }

    synchronized List<Outcome> all() {
        return List.copyOf(outcomes);
    }
}
