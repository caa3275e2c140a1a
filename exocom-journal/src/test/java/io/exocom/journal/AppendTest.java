package io.exocom.journal;

import io.exocom.journal.fault.GatedDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppendTest {

    @TempDir
    Path dir;

    @Test
    void callbacksRunOnTheCompletionThreadInEachAppendersOrder() throws Exception {
        List<Outcomes.Outcome> all = appendFromFourThreads(TestJournals.options(dir).build());
        for (Outcomes.Outcome outcome : all) {
            assertEquals("exocom-journal-completion", outcome.thread());
        }
    }

    @Test
    void inlineCompletionsRunALoneAppendOnTheWriterThread() throws Exception {
        try (Journal journal = Journal.open(TestJournals.options(dir).inlineCompletions(4).build())) {
            for (int i = 0; i < 20; i++) {
                Outcomes.Outcome outcome = TestJournals.appendAll(journal, List.of("alone-" + i)).get(0);
                assertTrue(outcome.completed());
                assertEquals("exocom-journal-writer", outcome.thread(), "a batch of one, nothing else to complete");
            }
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertEquals(TestJournals.texts("alone-", 20), Replayed.texts(journal));
        }
    }

    @Test
    void inlineCompletionsKeepEachAppendersOrder() throws Exception {
        appendFromFourThreads(TestJournals.options(dir).inlineCompletions(8).build());
    }

    @Test
    void aSmallBatchWaitsBehindABusyCompletionThreadInsteadOfOvertakingIt() throws Exception {
        GatedDisk disk = new GatedDisk();
        Outcomes outcomes = new Outcomes();
        CountDownLatch slowStarted = new CountDownLatch(1);
        CountDownLatch slowMayEnd = new CountDownLatch(1);
        JournalOptions options = TestJournals.options(dir).channelFactory(disk).inlineCompletions(2).build();
        try (Journal journal = Journal.open(options)) {
            disk.holdNextForce();
            journal.append(1, Replayed.bytes("p"), outcomes.completion("p"));
            disk.awaitHeldForce();
            // queued while the writer is held: the next batch is these three, too large to complete inline
            Completion b1 = outcomes.completion("b1");
            journal.append(1, Replayed.bytes("b1"), new Completion() {
                @Override
                public void completed(long position) {
                    slowStarted.countDown();
                    try {
                        slowMayEnd.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    b1.completed(position);
                }

                @Override
                public void failed(JournalException error) {
                    b1.failed(error);
                }
            });
            journal.append(1, Replayed.bytes("b2"), outcomes.completion("b2"));
            journal.append(1, Replayed.bytes("b3"), outcomes.completion("b3"));
            disk.releaseForce();
            assertTrue(slowStarted.await(30, TimeUnit.SECONDS), "b1's callback started");
            journal.append(1, Replayed.bytes("c"), outcomes.completion("c"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (journal.metrics().records() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(5, journal.metrics().records(), "c was written");
            Thread.sleep(200); // room for a wrong inline completion of c to show before b1's callback ends
            slowMayEnd.countDown();
            List<Outcomes.Outcome> all = outcomes.await(5);
            assertEquals(List.of("p", "b1", "b2", "b3", "c"), all.stream().map(Outcomes.Outcome::tag).toList());
            assertEquals("exocom-journal-writer", all.get(0).thread(), "p: a batch of one, nothing else to complete");
            assertEquals("exocom-journal-completion", all.get(1).thread(), "b1..b3: a batch above the limit");
            assertEquals("exocom-journal-completion", all.get(4).thread(), "c: behind the busy completion thread");
        }
    }

    /**
     * Four threads append 500 records each without waiting; asserts that every append completed and each thread's
     * completions arrived in its append order.
     */
    private List<Outcomes.Outcome> appendFromFourThreads(JournalOptions options) throws Exception {
        int threads = 4;
        int perThread = 500;
        Outcomes outcomes = new Outcomes();
        try (Journal journal = Journal.open(options)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> appenders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String stream = "t" + t;
                Thread appender = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < perThread; i++) {
                        String tag = stream + ":" + i;
                        journal.append(1, Replayed.bytes(tag), outcomes.completion(tag));
                    }
                }, "appender-" + stream);
                appender.start();
                appenders.add(appender);
            }
            go.countDown();
            for (Thread appender : appenders) {
                appender.join(TimeUnit.SECONDS.toMillis(30));
            }
            List<Outcomes.Outcome> all = outcomes.await(threads * perThread);
            Map<String, Integer> next = new HashMap<>();
            for (Outcomes.Outcome outcome : all) {
                assertTrue(outcome.completed());
                String stream = outcome.tag().substring(0, outcome.tag().indexOf(':'));
                int seq = Integer.parseInt(outcome.tag().substring(outcome.tag().indexOf(':') + 1));
                assertEquals(next.getOrDefault(stream, 0), seq, "completions of " + stream + " in append order");
                next.put(stream, seq + 1);
            }
            assertTrue(journal.metrics().batches() <= journal.metrics().records());
            assertEquals(threads * perThread, journal.metrics().records());
            return all;
        }
    }

    @Test
    void badInputIsRefusedWithASentenceAndLosesNothing() throws Exception {
        try (Journal journal = Journal.open(TestJournals.options(dir).maxRecordBytes(100).build())) {
            TestJournals.appendAll(journal, List.of("before"));
            Completion ignored = new Outcomes().completion("ignored");
            assertEquals("record type -1 is negative; accepted are 0 to 2147483647 (negative types are reserved for"
                            + " the journal)",
                    assertThrows(IllegalArgumentException.class, () -> journal.append(-1, new byte[1], ignored)).getMessage());
            assertEquals("the payload is null; give an array (an empty one for no payload)",
                    assertThrows(IllegalArgumentException.class, () -> journal.append(1, null, ignored)).getMessage());
            assertEquals("a payload of 101 bytes is larger than the journal's maxRecordBytes; accepted are at most 100"
                            + " bytes",
                    assertThrows(IllegalArgumentException.class, () -> journal.appendLazy(1, new byte[101])).getMessage());
            assertEquals("the completion is null; give one, or use appendLazy for a record nobody waits for",
                    assertThrows(IllegalArgumentException.class, () -> journal.append(1, new byte[1], null)).getMessage());
            TestJournals.appendAll(journal, List.of("after", ""));
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertEquals(List.of("before", "after", ""), Replayed.texts(journal));
        }
    }

    @Test
    void badOptionsAreRefusedWithASentence() {
        assertEquals("maxSegmentBytes 100 is out of range; accepted are 4096 to 1073741824 bytes",
                assertThrows(IllegalArgumentException.class,
                        () -> JournalOptions.builder(dir).maxSegmentBytes(100)).getMessage());
        assertEquals("maxRecordBytes 5000 does not fit into a segment of 4096 bytes; accepted is at most 4052",
                assertThrows(IllegalArgumentException.class,
                        () -> JournalOptions.builder(dir).maxSegmentBytes(4096).maxRecordBytes(5000).build()).getMessage());
        assertEquals("lazySyncInterval PT0S is not positive; accepted is a positive duration",
                assertThrows(IllegalArgumentException.class,
                        () -> JournalOptions.builder(dir).lazySyncInterval(java.time.Duration.ZERO)).getMessage());
        assertEquals("inlineCompletions -1 is negative; accepted is 0 or more",
                assertThrows(IllegalArgumentException.class,
                        () -> JournalOptions.builder(dir).inlineCompletions(-1)).getMessage());
    }

    @Test
    void closeCompletesWhatIsQueuedAndLaterAppendsAreRefused() throws Exception {
        Outcomes outcomes = new Outcomes();
        Journal journal = Journal.open(TestJournals.options(dir).build());
        for (String text : TestJournals.texts("queued-", 300)) {
            journal.append(1, Replayed.bytes(text), outcomes.completion(text));
        }
        journal.close();
        List<Outcomes.Outcome> answered = outcomes.all();
        assertEquals(300, answered.size(), "close returned after every queued append was answered");
        answered.forEach(outcome -> assertTrue(outcome.completed(), outcome.tag()));
        assertFalse(journal.isAvailable());
        assertEquals("the journal in " + dir.toRealPath() + " is closed",
                assertThrows(JournalClosedException.class,
                        () -> journal.append(1, new byte[1], outcomes.completion("late"))).getMessage());
        journal.close();
        try (Journal reopened = Journal.open(TestJournals.options(dir).build())) {
            assertEquals(TestJournals.texts("queued-", 300), Replayed.texts(reopened));
        }
    }

    @Test
    void appendsRacingWithCloseAreEachAnsweredOnce() throws Exception {
        for (int round = 0; round < 20; round++) {
            Outcomes outcomes = new Outcomes();
            Journal journal = Journal.open(TestJournals.options(dir).build());
            Replayed.all(journal);
            int[] refused = new int[1];
            int[] queued = new int[1];
            Thread appender = new Thread(() -> {
                for (int i = 0; ; i++) {
                    try {
                        journal.append(1, new byte[10], outcomes.completion("r" + i));
                        queued[0]++;
                    } catch (JournalClosedException closed) {
                        refused[0]++;
                        return;
                    }
                }
            });
            appender.start();
            Thread.sleep(2);
            journal.close();
            appender.join(TimeUnit.SECONDS.toMillis(30));
            List<Outcomes.Outcome> answers = outcomes.await(queued[0]);
            assertEquals(queued[0], answers.size(), "no queued append went unanswered, none twice");
            assertEquals(1, refused[0]);
        }
    }

    @Test
    void replayRunsOnceAndOnlyBeforeTheFirstAppend() throws Exception {
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            TestJournals.appendAll(journal, List.of("one"));
            assertThrows(IllegalStateException.class, () -> Replayed.all(journal));
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertEquals(List.of("one"), Replayed.texts(journal));
            assertThrows(IllegalStateException.class, () -> Replayed.all(journal));
        }
    }
}
