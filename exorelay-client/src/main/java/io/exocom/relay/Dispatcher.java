package io.exocom.relay;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Runs the handler of each delivered command or event, then acks it (after the handler finished and ExoCom
 * answered the handler's sends) or nacks it (the handler failed, or none exists). A delivery whose id was handled
 * recently, or is being handled right now, is not handled twice.
 */
final class Dispatcher {
    private static final System.Logger LOG = System.getLogger(ExoRelay.class.getName());

    private final Handlers handlers;
    private final HandledIds handled;
    private final Executor pool;
    private final RelayPort port;
    private final String who;
    /** Deliveries being handled: message id to whether the handling succeeded. */
    private final Map<String, CompletableFuture<Boolean>> inProgress = new ConcurrentHashMap<>();
    /** The connection each running handling's delivery came on. */
    private final Map<CompletableFuture<Boolean>, Wire> handledOn = new ConcurrentHashMap<>();
    private volatile boolean taking = true;
    private int running;

    Dispatcher(Handlers handlers, HandledIds handled, Executor pool, RelayPort port, String who) {
        this.handlers = handlers;
        this.handled = handled;
        this.pool = pool;
        this.port = port;
        this.who = who;
    }

    /**
     * Messages are known by their sender and id together (PROTOCOL.md §2): two services may use the same id, and
     * one service's handled message must not hide another's.
     */
    static String key(Message message) {
        return message.sender() + '\u0000' + message.id();
    }

    boolean wasHandled(Message message) {
        return handled.contains(key(message));
    }

    void remember(Message message) {
        handled.add(key(message));
    }

    boolean hasHandler(String name) {
        return handlers.get(name) != null;
    }

    /** Handles one delivery that arrived on {@code wire}. Called on the socket's thread: does not block. */
    void deliver(Wire wire, Message message) {
        String id = message.id();
        String key = key(message);
        if (!taking) {
            nack(wire, id, who + " is shutting down");
            return;
        }
        if (handled.contains(key)) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: \"{1}\" {2} was handled already; acknowledging it again",
                    who, message.name(), id);
            ack(wire, id);
            return;
        }
        AsyncHandler handler = handlers.get(message.name());
        if (handler == null) {
            String reason = who + " has no handler for \"" + message.name() + "\"";
            LOG.log(System.Logger.Level.WARNING, reason + " (message " + id + "): rejecting it");
            nack(wire, id, reason);
            return;
        }
        CompletableFuture<Boolean> outcome = new CompletableFuture<>();
        CompletableFuture<Boolean> earlier = inProgress.putIfAbsent(key, outcome);
        if (earlier != null) {
            // Delivered again while still being handled here: ack when the first handling succeeds. When it
            // failed, its nack answers for this copy too, unless that nack went to an earlier, lost connection.
            CompletableFuture<Boolean> first = earlier;
            first.thenAccept(ok -> {
                if (ok) {
                    ack(wire, id);
                } else if (wire != handledOn.get(first)) {
                    nack(wire, id, "handling failed");
                }
            });
            return;
        }
        handledOn.put(outcome, wire);
        synchronized (this) {
            running++;
        }
        try {
            pool.execute(() -> run(handler, message, wire, outcome));
        } catch (RejectedExecutionException e) {
            inProgress.remove(key);
            handledOn.remove(outcome);
            nack(wire, id, who + " is shutting down");
            finished();
        }
    }

    private void run(AsyncHandler handler, Message message, Wire wire, CompletableFuture<Boolean> outcome) {
        RelayContext context = new RelayContext(message, port);
        CompletionStage<?> stage;
        try {
            stage = handler.handle(message, context);
            if (stage == null) {
                stage = CompletableFuture.completedFuture(null);
            }
        } catch (Throwable error) {
            stage = CompletableFuture.failedFuture(error);
        }
        stage.handle((ignored, error) -> error)
                .thenCompose(error -> context.allSendsAnswered().thenApply(ignored -> error))
                .thenAccept(error -> {
                    String id = message.id();
                    String key = key(message);
                    // Forget the running handling before answering ExoCom: its redelivery may arrive at once.
                    if (error == null) {
                        handled.add(key);
                        inProgress.remove(key);
                        ack(wire, id);
                    } else {
                        inProgress.remove(key);
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        String reason = "the handler for \"" + message.name() + "\" failed: " + cause;
                        LOG.log(System.Logger.Level.WARNING, who + ": " + reason + " (message " + id + ", attempt "
                                + message.attempt() + "); ExoCom will deliver it again", cause);
                        nack(wire, id, reason);
                        port.reportError(new ExoRelayException(who + ": " + reason, cause));
                    }
                    outcome.complete(error == null);
                    handledOn.remove(outcome);
                    finished();
                });
    }

    private synchronized void finished() {
        running--;
        notifyAll();
    }

    void ack(Wire wire, String id) {
        port.ack(wire, id);
    }

    private void nack(Wire wire, String id, String reason) {
        port.nack(wire, id, reason);
    }

    /** From now on, deliveries are handed back to ExoCom (nack with requeue) for other instances to take. */
    void stopTaking() {
        taking = false;
    }

    /** Waits until no handler runs, or the deadline (System.nanoTime) passed; true when none runs. */
    synchronized boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        while (running > 0) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
