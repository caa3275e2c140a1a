package io.exocom.journal;

import io.exocom.journal.fault.GatedDisk;
import io.exocom.journal.fault.FailingDisk;
import io.exocom.journal.fault.PowerLossDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class LazyAndSyncModeTest {

    @TempDir
    Path dir;

    @Test
    void lazyRecordsAreSyncedWithinTheIntervalWithoutADurableAppend() throws Exception {
        PowerLossDisk disk = new PowerLossDisk();
        Journal journal = Journal.open(TestJournals.options(dir).channelFactory(disk)
                .lazySyncInterval(Duration.ofMillis(100)).build());
        long forcesBefore = disk.fileForces();
        for (String text : TestJournals.texts("settled-", 5)) {
            journal.appendLazy(2, Replayed.bytes(text));
        }
        long deadline = System.nanoTime() + Outcomes.PATIENCE.toNanos();
        while (journal.metrics().records() < 5 || disk.fileForces() == forcesBefore) {
            if (System.nanoTime() > deadline) {
                fail("lazy records were never synced");
            }
            Thread.sleep(5);
        }
        disk.powerFail(null);
        journal.close();
        disk.powerOn();
        try (Journal reopened = Journal.open(TestJournals.options(dir).channelFactory(disk).build())) {
            assertEquals(TestJournals.texts("settled-", 5), Replayed.texts(reopened));
        }
    }

    @Test
    void lazyRecordsRideWithTheNextDurableBatchInOrder() throws Exception {
        PowerLossDisk disk = new PowerLossDisk();
        Journal journal = Journal.open(TestJournals.options(dir).channelFactory(disk)
                .lazySyncInterval(Duration.ofHours(1)).build());
        journal.appendLazy(2, Replayed.bytes("lazy-1"));
        journal.appendLazy(2, Replayed.bytes("lazy-2"));
        Outcomes.Outcome durable = TestJournals.appendAll(journal, List.of("durable")).get(0);
        assertTrue(durable.completed());
        disk.powerFail(null);
        journal.close();
        disk.powerOn();
        try (Journal reopened = Journal.open(TestJournals.options(dir).channelFactory(disk).build())) {
            List<Replayed> records = Replayed.all(reopened);
            assertEquals(List.of("lazy-1", "lazy-2", "durable"), records.stream().map(Replayed::text).toList());
            assertEquals(List.of(2, 2, 1), records.stream().map(Replayed::type).toList());
        }
    }

    @Test
    void syncModeOsCompletesWithoutForcing() throws Exception {
        FailingDisk disk = new FailingDisk();
        List<String> texts = TestJournals.texts("os-", 200);
        try (Journal journal = Journal.open(TestJournals.options(dir).channelFactory(disk)
                .syncMode(SyncMode.OS).build())) {
            long forcesAfterOpen = disk.forces(GatedDisk::isSegment);
            List<Outcomes.Outcome> outcomes = appendFromThreads(journal, texts, 4);
            outcomes.forEach(outcome -> assertTrue(outcome.completed(), outcome.tag()));
            assertEquals(forcesAfterOpen, disk.forces(GatedDisk::isSegment), "no force of a segment between open and close");
            assertEquals(0, journal.metrics().syncs());
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            List<String> replayed = Replayed.texts(journal);
            assertEquals(texts.size(), replayed.size());
            assertTrue(replayed.containsAll(texts));
        }
    }

    @Test
    void syncModeAlwaysForcesBeforeCompletingButNotOncePerRecord() throws Exception {
        GatedDisk disk = new GatedDisk();
        try (Journal journal = Journal.open(TestJournals.options(dir).channelFactory(disk).build())) {
            long forcesAfterOpen = disk.forces();
            disk.holdNextForce();
            Outcomes outcomes = new Outcomes();
            journal.append(1, Replayed.bytes("first"), outcomes.completion("first"));
            disk.awaitHeldForce();
            assertEquals(List.of(), outcomes.all(), "nothing completes before its force");
            for (String text : TestJournals.texts("waiting-", 50)) {
                journal.append(1, Replayed.bytes(text), outcomes.completion(text));
            }
            disk.releaseForce();
            List<Outcomes.Outcome> all = outcomes.await(51);
            all.forEach(outcome -> assertTrue(outcome.completed(), outcome.tag()));
            assertEquals(forcesAfterOpen + 2, disk.forces(),
                    "what arrived during the first force went into the next one, together");
            assertEquals(2, journal.metrics().syncs());
        }
    }

    private static List<Outcomes.Outcome> appendFromThreads(Journal journal, List<String> texts, int threads)
            throws Exception {
        Outcomes outcomes = new Outcomes();
        List<Thread> appenders = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread appender = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = first; i < texts.size(); i += threads) {
                    journal.append(1, Replayed.bytes(texts.get(i)), outcomes.completion(texts.get(i)));
                }
            });
            appender.start();
            appenders.add(appender);
        }
        go.countDown();
        for (Thread appender : appenders) {
            appender.join(TimeUnit.SECONDS.toMillis(30));
        }
        return outcomes.await(texts.size());
    }
}
