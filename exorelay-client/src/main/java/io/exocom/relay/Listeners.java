package io.exocom.relay;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * The service's online, offline and error listeners. They run one after the other on one thread of the relay's
 * own, never on the event loop, so that a slow listener delays no frame.
 */
final class Listeners {
    private static final System.Logger LOG = System.getLogger(ExoRelay.class.getName());

    private final List<Runnable> online = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> offline = new CopyOnWriteArrayList<>();
    private final List<Consumer<Throwable>> errors = new CopyOnWriteArrayList<>();
    private final ExecutorService events;
    private final String who;

    Listeners(ExecutorService events, String who) {
        this.events = events;
        this.who = who;
    }

    void addOnline(Runnable listener) {
        online.add(Objects.requireNonNull(listener));
    }

    void addOffline(Consumer<String> listener) {
        offline.add(Objects.requireNonNull(listener));
    }

    void addError(Consumer<Throwable> listener) {
        errors.add(Objects.requireNonNull(listener));
    }

    void online() {
        fire(() -> online.forEach(Runnable::run));
    }

    void offline(String reason) {
        fire(() -> offline.forEach(listener -> listener.accept(reason)));
    }

    void error(Throwable error) {
        fire(() -> errors.forEach(listener -> listener.accept(error)));
    }

    /** Lets the notifications queued so far run, then stops the thread. */
    void shutdown() {
        events.shutdown();
    }

    private void fire(Runnable notification) {
        try {
            events.execute(() -> {
                try {
                    notification.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, who + ": a listener failed", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // closed
        }
    }
}
