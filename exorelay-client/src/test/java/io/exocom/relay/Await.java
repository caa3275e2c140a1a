package io.exocom.relay;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/** Waiting in tests: for a stage, or until a condition holds; never a sleep as an assertion. */
final class Await {
    static final Duration PATIENCE = Duration.ofSeconds(20);

    private Await() {
    }

    static <T> T result(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + PATIENCE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The exception the stage fails with, checked to be of {@code type}. */
    static <E extends Throwable> E failure(CompletionStage<?> stage, Class<E> type) {
        try {
            Object value = stage.toCompletableFuture().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("expected " + type.getSimpleName() + " but got " + value);
        } catch (ExecutionException e) {
            return assertInstanceOf(type, e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + PATIENCE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void until(String what, BooleanSupplier condition) {
        if (!holdsWithin(PATIENCE, condition)) {
            fail("not within " + PATIENCE + ": " + what);
        }
    }

    /**
     * Waits until the condition holds and says whether it did within {@code limit}; never fails. For code off
     * the test thread (handlers, listeners), which must hand its findings to the test thread instead of asserting.
     */
    static boolean holdsWithin(Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    static java.nio.file.Path routes() {
        try {
            return java.nio.file.Path.of(Await.class.getResource("/it-routes.yaml").toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
