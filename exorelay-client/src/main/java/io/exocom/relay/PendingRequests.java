package io.exocom.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Commands this relay sent and whose replies it waits for, keyed by the command's id. They survive lost
 * connections: ExoCom routes a reply to another connection of the asking service, or queues it.
 */
final class PendingRequests {

    private final Map<String, Waiter> byCommandId = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final Executor callbacks;

    PendingRequests(ScheduledExecutorService timer, Executor callbacks) {
        this.timer = timer;
        this.callbacks = callbacks;
    }

    /**
     * Starts waiting for replies to the command {@code commandId}.
     *
     * @param onReply     receives every reply in order, or null to get only the final one
     * @param idleTimeout for streams: the timeout restarts with every reply
     */
    Waiter add(String commandId, String commandName, Duration timeout, Consumer<Reply> onReply, boolean idleTimeout) {
        Waiter waiter = new Waiter(commandId, commandName, timeout, onReply, idleTimeout);
        byCommandId.put(commandId, waiter);
        waiter.armTimeout();
        return waiter;
    }

    /** Hands a reply to its waiter; false when nobody waits for it (timed out, or not ours). */
    boolean offer(Reply reply) {
        Waiter waiter = byCommandId.get(reply.message().responseTo());
        if (waiter == null) {
            return false;
        }
        waiter.offer(reply);
        return true;
    }

    void fail(String commandId, Throwable error) {
        Waiter waiter = byCommandId.remove(commandId);
        if (waiter != null) {
            waiter.fail(error);
        }
    }

    void failAll(RuntimeException error) {
        List<Waiter> all = new ArrayList<>(byCommandId.values());
        byCommandId.clear();
        for (Waiter waiter : all) {
            waiter.fail(error);
        }
    }

    int size() {
        return byCommandId.size();
    }

    /** Waits for the replies to one command. */
    final class Waiter {
        /**
         * Completed on whichever thread the final reply or the failure arrives on, often the socket's: callers get
         * it only through a {@link WorkerStage}.
         */
        final CompletableFuture<Reply> result = new CompletableFuture<>();
        private final String commandId;
        private final String commandName;
        private final Duration timeout;
        private final Consumer<Reply> onReply;
        private final boolean idleTimeout;
        private CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        private ScheduledFuture<?> timeoutTask;

        private Waiter(String commandId, String commandName, Duration timeout, Consumer<Reply> onReply, boolean idleTimeout) {
            this.commandId = commandId;
            this.commandName = commandName;
            this.timeout = timeout;
            this.onReply = onReply;
            this.idleTimeout = idleTimeout;
        }

        private synchronized void armTimeout() {
            if (timeoutTask != null) {
                timeoutTask.cancel(false);
            }
            timeoutTask = timer.schedule(
                    () -> PendingRequests.this.fail(commandId, new RequestTimeoutException(commandName, commandId, timeout)),
                    timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        private synchronized void offer(Reply reply) {
            if (result.isDone()) {
                return;
            }
            if (reply.isFinal()) {
                byCommandId.remove(commandId, this);
                timeoutTask.cancel(false);
            } else if (idleTimeout) {
                armTimeout();
            }
            if (onReply == null) {
                // Only the final reply matters, and the caller's stage runs its callbacks on the workers: no
                // hand-off here, so a caller that waits (get, join) is woken straight from the socket's thread.
                if (reply.isFinal()) {
                    result.complete(reply);
                }
                return;
            }
            // Replies reach the caller's onReply one after the other, in the order they arrived, off the socket's
            // thread.
            chain = chain.thenRunAsync(() -> {
                if (onReply != null && !result.isDone()) {
                    onReply.accept(reply);
                }
                if (reply.isFinal()) {
                    result.complete(reply);
                }
            }, callbacks).exceptionally(error -> {
                // The callback threw: the caller learns it from the returned stage. This waiter may already be
                // out of the map (a final reply removes it first), so it is failed directly, never looked up.
                byCommandId.remove(commandId, this);
                fail(error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error);
                return null;
            });
        }

        private synchronized void fail(Throwable error) {
            if (timeoutTask != null) {
                timeoutTask.cancel(false);
            }
            result.completeExceptionally(error); // the caller's stage runs its callbacks on the workers
        }
    }
}
