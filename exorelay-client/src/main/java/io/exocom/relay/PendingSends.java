package io.exocom.relay;

import io.exocom.protocol.Frame;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Sends that ExoCom has not answered yet, in the order they were made, keyed by message id. They survive a lost
 * connection and are sent again, with the same id, after the relay registered anew (ExoCom de-duplicates by id).
 */
final class PendingSends {
    private static final System.Logger LOG = System.getLogger(ExoRelay.class.getName());

    /**
     * One unanswered send: the encoded frame, to send it again as it is, and the stage ExoCom's answer completes
     * on the event loop (callers get a {@link WorkerStage} that follows it).
     */
    record Pending(String id, String name, byte[] frame, CompletableFuture<Accepted> result) {
    }

    private final Map<String, Pending> byId = new LinkedHashMap<>();

    synchronized void add(Pending pending) {
        byId.put(pending.id(), pending);
    }

    synchronized int size() {
        return byId.size();
    }

    synchronized boolean isEmpty() {
        return byId.isEmpty();
    }

    /** All unanswered sends, oldest first. */
    synchronized List<Pending> snapshot() {
        return new ArrayList<>(byId.values());
    }

    /** ExoCom accepted a send; false when no send with that id waits (an answer to a re-sent duplicate). */
    boolean accepted(Frame.Accepted accepted) {
        Pending pending;
        synchronized (this) {
            pending = byId.remove(accepted.id());
            notifyAll();
        }
        if (pending == null) {
            return false;
        }
        // On the event loop: the caller's callbacks run on workers (see WorkerStage), the relay's own are brief.
        pending.result().complete(new Accepted(accepted.id(), accepted.timestamp()));
        return true;
    }

    /**
     * ExoCom rejected a send; false when no send with that id waits. A send refused {@code shutting-down} stays: it
     * goes again, with the same id, to the broker the relay connects to next (PROTOCOL.md §6), and its caller never
     * sees that code.
     */
    boolean rejected(Frame.Rejected rejected) {
        Pending pending;
        synchronized (this) {
            if (rejected.code() == io.exocom.protocol.ErrorCode.SHUTTING_DOWN && rejected.id() != null
                    && byId.containsKey(rejected.id())) {
                return true;
            }
            pending = rejected.id() == null ? null : byId.remove(rejected.id());
            notifyAll();
        }
        if (pending == null) {
            return false;
        }
        LOG.log(System.Logger.Level.WARNING, "ExoCom rejected \"{0}\" (id {1}): {2}: {3}", pending.name(),
                rejected.id(), rejected.code(), rejected.message());
        ExoComRejectedException error = new ExoComRejectedException(rejected.code(), rejected.message(), rejected.id());
        pending.result().completeExceptionally(error);
        return true;
    }

    /** Fails every unanswered send, e.g. at close. */
    void failAll(RuntimeException error) {
        List<Pending> all;
        synchronized (this) {
            all = new ArrayList<>(byId.values());
            byId.clear();
            notifyAll();
        }
        for (Pending pending : all) {
            pending.result().completeExceptionally(error);
        }
    }

    /** Waits until every send was answered, or the deadline (System.nanoTime) passed; true when none waits. */
    synchronized boolean awaitEmpty(long deadlineNanos) throws InterruptedException {
        while (!byId.isEmpty()) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
