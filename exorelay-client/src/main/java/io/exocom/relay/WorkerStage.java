package io.exocom.relay;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The stage a caller gets for a send or a request: completed on the relay's event loop, where ExoCom's answer and
 * the reply arrive, but every callback the caller attaches (thenApply, whenComplete, ...) runs on the relay's
 * worker threads, so that a callback may block (even wait for another send) without stalling the socket. A caller
 * that only waits (get, join) is woken straight from the event loop.
 *
 * <p>Why not simply complete it on a worker thread: most sends have no callback at all (a handler's reply, whose
 * answer only the relay itself waits for before it acks), and a hand-off to a worker per answer was the largest
 * cost of the relay's request/reply path. Here a thread is woken only for a callback that exists; the relay's own
 * bookkeeping (acking after a handler's sends were answered) runs on the event loop, where it never blocks.
 */
final class WorkerStage<T> extends CompletableFuture<T> {
    private final Executor workers;

    private WorkerStage(Executor workers) {
        this.workers = workers;
    }

    /** A stage that completes as {@code source} does (on the same thread) and runs its callbacks on workers. */
    static <T> WorkerStage<T> following(CompletableFuture<T> source, Executor workers) {
        WorkerStage<T> stage = new WorkerStage<>(workers);
        source.whenComplete((value, error) -> {
            if (error != null) {
                stage.completeExceptionally(error);
            } else {
                stage.complete(value);
            }
        });
        return stage;
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new WorkerStage<>(workers);
    }

    @Override
    public Executor defaultExecutor() {
        return workers;
    }

    // Each non-async method is its async variant on the workers: whoever completes this stage (the event loop)
    // never runs a caller's code.

    @Override
    public <U> CompletableFuture<U> thenApply(Function<? super T, ? extends U> fn) {
        return thenApplyAsync(fn, workers);
    }

    @Override
    public CompletableFuture<Void> thenAccept(Consumer<? super T> action) {
        return thenAcceptAsync(action, workers);
    }

    @Override
    public CompletableFuture<Void> thenRun(Runnable action) {
        return thenRunAsync(action, workers);
    }

    @Override
    public <U, V> CompletableFuture<V> thenCombine(CompletionStage<? extends U> other,
                                                   BiFunction<? super T, ? super U, ? extends V> fn) {
        return thenCombineAsync(other, fn, workers);
    }

    @Override
    public <U> CompletableFuture<Void> thenAcceptBoth(CompletionStage<? extends U> other,
                                                      BiConsumer<? super T, ? super U> action) {
        return thenAcceptBothAsync(other, action, workers);
    }

    @Override
    public CompletableFuture<Void> runAfterBoth(CompletionStage<?> other, Runnable action) {
        return runAfterBothAsync(other, action, workers);
    }

    @Override
    public <U> CompletableFuture<U> applyToEither(CompletionStage<? extends T> other, Function<? super T, U> fn) {
        return applyToEitherAsync(other, fn, workers);
    }

    @Override
    public CompletableFuture<Void> acceptEither(CompletionStage<? extends T> other, Consumer<? super T> action) {
        return acceptEitherAsync(other, action, workers);
    }

    @Override
    public CompletableFuture<Void> runAfterEither(CompletionStage<?> other, Runnable action) {
        return runAfterEitherAsync(other, action, workers);
    }

    @Override
    public <U> CompletableFuture<U> thenCompose(Function<? super T, ? extends CompletionStage<U>> fn) {
        return thenComposeAsync(fn, workers);
    }

    @Override
    public <U> CompletableFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
        return handleAsync(fn, workers);
    }

    @Override
    public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
        return whenCompleteAsync(action, workers);
    }

    @Override
    public CompletableFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
        return exceptionallyAsync(fn, workers);
    }

    @Override
    public CompletableFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn) {
        return exceptionallyComposeAsync(fn, workers);
    }
}
