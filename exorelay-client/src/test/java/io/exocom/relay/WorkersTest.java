package io.exocom.relay;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay's worker threads: every task runs exactly once, blocked tasks hold up nothing, idle threads end. */
class WorkersTest {
    private final AtomicReference<Throwable> uncaught = new AtomicReference<>();
    private final ThreadFactory threads = task -> {
        Thread thread = new Thread(task, "workers-test");
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, error) -> uncaught.set(error));
        return thread;
    };
    private Workers workers;

    @AfterEach
    void shutdown() {
        if (workers != null) {
            workers.shutdown();
        }
    }

    @Test
    void blockedTasksDoNotHoldUpTheTasksQueuedBehindThem() throws Exception {
        workers = new Workers(threads);
        int tasks = 16;
        // Each task waits until all of them run: only possible when all run at once, each on its own thread.
        CountDownLatch allRunning = new CountDownLatch(tasks);
        List<CompletableFuture<Boolean>> metTheOthers = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            CompletableFuture<Boolean> met = new CompletableFuture<>();
            metTheOthers.add(met);
            workers.execute(() -> {
                allRunning.countDown();
                try {
                    met.complete(allRunning.await(20, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    met.completeExceptionally(e);
                }
            });
        }
        for (CompletableFuture<Boolean> met : metTheOthers) {
            assertTrue(met.get(30, TimeUnit.SECONDS), "a task waited for the others in vain: it ran alone");
        }
    }

    @Test
    void everyTaskRunsExactlyOnceWhileManyThreadsSubmitAndWorkersParkAndWake() throws Exception {
        workers = new Workers(threads);
        int submitters = 4;
        int perSubmitter = 50_000;
        AtomicIntegerArray runs = new AtomicIntegerArray(submitters * perSubmitter);
        CountDownLatch done = new CountDownLatch(submitters * perSubmitter);
        List<Thread> started = new ArrayList<>();
        for (int s = 0; s < submitters; s++) {
            int first = s * perSubmitter;
            Thread submitter = new Thread(() -> {
                for (int i = first; i < first + perSubmitter; i++) {
                    int id = i;
                    workers.execute(() -> {
                        runs.incrementAndGet(id);
                        done.countDown();
                    });
                    if (i % 997 == 0) {
                        // a pause long enough for the workers to run dry and park: the next task must wake one
                        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
                    }
                }
            });
            started.add(submitter);
            submitter.start();
        }
        for (Thread submitter : started) {
            submitter.join();
        }
        assertTrue(done.await(30, TimeUnit.SECONDS), done.getCount() + " tasks never ran");
        for (int i = 0; i < runs.length(); i++) {
            assertEquals(1, runs.get(i), "task " + i + " ran " + runs.get(i) + " times");
        }
    }

    @Test
    void aFailingTaskIsReportedAndTheNextTasksStillRun() throws Exception {
        workers = new Workers(threads);
        workers.execute(() -> {
            throw new IllegalStateException("handler bug");
        });
        CompletableFuture<String> next = new CompletableFuture<>();
        workers.execute(() -> next.complete("ran"));
        assertEquals("ran", next.get(20, TimeUnit.SECONDS));
        Await.until("the failure reached the thread's handler", () -> uncaught.get() != null);
        assertEquals("handler bug", uncaught.get().getMessage());
    }

    @Test
    void shutdownRunsWhatWasQueuedRejectsNewTasksAndEndsTheThreads() throws Exception {
        workers = new Workers(threads);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ran = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) {
            workers.execute(() -> {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ran.countDown();
            });
        }
        workers.shutdown();
        RejectedExecutionException rejected = assertThrows(RejectedExecutionException.class,
                () -> workers.execute(() -> { }));
        assertEquals("the relay's workers are shut down", rejected.getMessage());
        release.countDown();
        assertTrue(ran.await(20, TimeUnit.SECONDS), "a task queued before the shutdown did not run");
        Await.until("every worker thread ended", () -> workers.threads() == 0);
    }

    @Test
    void idleThreadsEndAfterTheKeepAliveAndNewTasksStartOthers() throws Exception {
        workers = new Workers(threads, TimeUnit.MILLISECONDS.toNanos(50));
        CompletableFuture<String> first = new CompletableFuture<>();
        workers.execute(() -> first.complete("first"));
        assertEquals("first", first.get(20, TimeUnit.SECONDS));
        Await.until("the idle worker thread ended", () -> workers.threads() == 0);
        CompletableFuture<String> second = new CompletableFuture<>();
        workers.execute(() -> second.complete("second"));
        assertEquals("second", second.get(20, TimeUnit.SECONDS));
    }
}
