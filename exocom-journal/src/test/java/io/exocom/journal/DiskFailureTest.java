package io.exocom.journal;

import io.exocom.journal.fault.FailingDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A full disk, a failing fsync, and bugs below the journal: nothing not durable is reported complete. */
class DiskFailureTest {

    @TempDir
    Path dir;

    private final FailingDisk disk = new FailingDisk();
    private final LinkedBlockingQueue<String> availability = new LinkedBlockingQueue<>();

    private Journal open() {
        return Journal.open(TestJournals.options(dir).channelFactory(disk)
                .availabilityListener((available, cause) ->
                        availability.add(available ? "available" : "unavailable: " + cause.getMessage()))
                .build());
    }

    @Test
    void aFullDiskFailsTheAppendsUntilItHasRoomAgainAndNothingFailedIsInTheLog() throws Exception {
        List<String> expected = new ArrayList<>(TestJournals.texts("before-", 20));
        try (Journal journal = open()) {
            assertAllCompleted(TestJournals.appendAll(journal, expected));

            disk.failWritesAfter(500);
            List<String> attempted = TestJournals.texts("while-full-", 60);
            List<Outcomes.Outcome> outcomes = TestJournals.appendAll(journal, attempted);
            int firstFailure = firstFailure(outcomes);
            assertTrue(firstFailure >= 0, "a full disk made appends fail");
            for (int i = firstFailure; i < outcomes.size(); i++) {
                Outcomes.Outcome outcome = outcomes.get(i);
                assertInstanceOf(JournalUnavailableException.class, outcome.error(),
                        "every append after the first failure fails: " + outcome.tag());
                assertTrue(outcome.error().getMessage().contains("No space left on device"), outcome.error().getMessage());
            }
            for (int i = 0; i < firstFailure; i++) {
                expected.add(outcomes.get(i).tag());
            }
            assertEquals("unavailable: the journal in " + dir.toRealPath() + " cannot write (No space left on device):"
                    + " appends fail until the disk works again", availability.poll(30, TimeUnit.SECONDS));
            assertFalse(journal.isAvailable());
            assertNotNull(journal.unavailableCause());

            // still full: appends fail fast, through the callback
            Outcomes.Outcome later = TestJournals.appendAll(journal, List.of("still-full")).get(0);
            assertInstanceOf(JournalUnavailableException.class, later.error());

            disk.heal();
            assertEquals("available", availability.poll(30, TimeUnit.SECONDS));
            assertTrue(journal.isAvailable());
            assertNull(journal.unavailableCause());
            List<String> after = TestJournals.texts("after-", 20);
            assertAllCompleted(TestJournals.appendAll(journal, after));
            expected.addAll(after);
            assertTrue(journal.metrics().failedBatches() > 0);
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertEquals(expected, Replayed.texts(journal), "what completed, and only that, in order");
        }
    }

    @Test
    void aFailedSyncFailsTheBatchAndItsWrittenBytesAreCutBack() throws Exception {
        try (Journal journal = open()) {
            assertAllCompleted(TestJournals.appendAll(journal, List.of("durable")));
            disk.failForces();
            Outcomes.Outcome failed = TestJournals.appendAll(journal, List.of("written, never synced")).get(0);
            assertInstanceOf(JournalUnavailableException.class, failed.error());
            assertTrue(failed.error().getMessage().contains("Input/output error"), failed.error().getMessage());
            assertTrue(availability.poll(30, TimeUnit.SECONDS).startsWith("unavailable: "));
            disk.heal();
            assertEquals("available", availability.poll(30, TimeUnit.SECONDS));
            assertAllCompleted(TestJournals.appendAll(journal, List.of("after")));
            assertEquals(2, journal.segments().size(), "writing went on in a fresh segment");
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertTrue(journal.recoveryReport().clean(), journal.recoveryReport().summary());
            assertEquals(List.of("durable", "after"), Replayed.texts(journal));
        }
    }

    @Test
    void anUnexpectedExceptionBelowTheJournalMakesItUnavailableNotDead() throws Exception {
        try (Journal journal = open()) {
            disk.failWritesWith(new IllegalStateException("a bug in the file system layer"));
            Outcomes.Outcome failed = TestJournals.appendAll(journal, List.of("lost")).get(0);
            assertInstanceOf(JournalUnavailableException.class, failed.error());
            assertInstanceOf(IllegalStateException.class, failed.error().getCause());
            assertTrue(availability.poll(30, TimeUnit.SECONDS).startsWith("unavailable: "));
            disk.heal();
            assertEquals("available", availability.poll(30, TimeUnit.SECONDS));
            assertAllCompleted(TestJournals.appendAll(journal, List.of("after")));
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertEquals(List.of("after"), Replayed.texts(journal));
        }
    }

    @Test
    void anErrorInTheWriterFailsItsBatchReachesTheUncaughtHandlerAndLaterAppendsFailAtOnce() throws Exception {
        LinkedBlockingQueue<Throwable> uncaught = new LinkedBlockingQueue<>();
        OutOfMemoryError error = new OutOfMemoryError("simulated");
        Journal journal = Journal.open(TestJournals.options(dir).channelFactory(disk)
                .threadFactory(reportingUncaughtTo(uncaught)).build());
        try {
            disk.failWritesWith(error);
            Outcomes.Outcome failed = TestJournals.appendAll(journal, List.of("lost")).get(0);
            assertInstanceOf(JournalUnavailableException.class, failed.error());
            assertSame(error, uncaught.poll(30, TimeUnit.SECONDS), "the Error reached the thread's uncaught handler");
            assertFalse(journal.isAvailable());
            JournalUnavailableException refused = assertThrows(JournalUnavailableException.class,
                    () -> journal.append(1, new byte[1], new Outcomes().completion("x")));
            assertTrue(refused.getMessage().contains("restart the process"), refused.getMessage());
        } finally {
            journal.close();
        }
    }

    @Test
    void anErrorInACallbackOnTheWriterStopsTheJournalAndAnswersItsAppendOnce() throws Exception {
        LinkedBlockingQueue<Throwable> uncaught = new LinkedBlockingQueue<>();
        OutOfMemoryError error = new OutOfMemoryError("simulated");
        AtomicInteger completed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        Journal journal = Journal.open(TestJournals.options(dir).inlineCompletions(4)
                .threadFactory(reportingUncaughtTo(uncaught)).build());
        try {
            journal.append(1, new byte[1], new Completion() {
                @Override
                public void completed(long position) {
                    completed.incrementAndGet();
                    throw error;
                }

                @Override
                public void failed(JournalException cause) {
                    failed.incrementAndGet();
                }
            });
            assertSame(error, uncaught.poll(30, TimeUnit.SECONDS), "the Error reached the writer's uncaught handler");
            assertFalse(journal.isAvailable());
            JournalUnavailableException refused = assertThrows(JournalUnavailableException.class,
                    () -> journal.append(1, new byte[1], new Outcomes().completion("x")));
            assertTrue(refused.getMessage().contains("restart the process"), refused.getMessage());
        } finally {
            journal.close();  // runs whatever the completion thread still had, so a second answer would show
        }
        assertEquals(1, completed.get(), "the durable append was told once that it is durable");
        assertEquals(0, failed.get(), "and never that it failed");
    }

    @Test
    void aDiskFullAtStartOpensUnavailableAndRecoversByItself() throws Exception {
        disk.failWritesAfter(0);
        try (Journal journal = open()) {
            assertFalse(journal.isAvailable());
            Outcomes.Outcome failed = TestJournals.appendAll(journal, List.of("lost")).get(0);
            assertInstanceOf(JournalUnavailableException.class, failed.error());
            disk.heal();
            assertEquals("available", availability.poll(30, TimeUnit.SECONDS));
            assertAllCompleted(TestJournals.appendAll(journal, List.of("after")));
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertEquals(List.of("after"), Replayed.texts(journal));
        }
    }

    /** Daemon threads whose uncaught throwables land in {@code uncaught}, for the test thread to look at. */
    private static ThreadFactory reportingUncaughtTo(LinkedBlockingQueue<Throwable> uncaught) {
        return runnable -> {
            Thread thread = new Thread(runnable);
            thread.setDaemon(true);
            thread.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
            return thread;
        };
    }

    private static int firstFailure(List<Outcomes.Outcome> outcomes) {
        for (int i = 0; i < outcomes.size(); i++) {
            if (!outcomes.get(i).completed()) {
                return i;
            }
        }
        return -1;
    }

    private static void assertAllCompleted(List<Outcomes.Outcome> outcomes) {
        for (Outcomes.Outcome outcome : outcomes) {
            assertTrue(outcome.completed(), outcome.tag() + " failed: " + outcome.error());
        }
    }
}
