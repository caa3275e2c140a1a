package io.exocom.journal;

import io.exocom.journal.fault.GatedDisk;
import io.exocom.journal.fault.PowerLossDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Appender threads append while the power fails at a random moment; after each failure the journal is opened again
 * from what survived. Every append that was reported complete must be there, in order, cycle after cycle.
 */
class PowerLossTest {

    private static final int CYCLES = 12;
    private static final int THREADS = 8;

    @TempDir
    Path dir;

    @Test
    void everyCompletedAppendSurvivesPowerLossInOrder() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        PowerLossDisk disk = new PowerLossDisk();
        Set<String> completedEver = new HashSet<>();
        Map<String, Integer> highestAppended = new HashMap<>();
        int tornTails = 0;
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            Journal journal = Journal.open(TestJournals.options(dir).channelFactory(disk)
                    .maxSegmentBytes(64 * 1024).build());
            String context = "seed " + seed + ", cycle " + cycle;
            tornTails += journal.recoveryReport().clean() ? 0 : 1;
            verifySurvivors(Replayed.texts(journal), completedEver, highestAppended, context);

            Outcomes outcomes = new Outcomes();
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(THREADS);
            List<Thread> appenders = new ArrayList<>();
            int[] appended = new int[THREADS];
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                String stream = "c" + cycle + "t" + t;
                Thread appender = new Thread(() -> {
                    started.countDown();
                    for (int seq = 0; !stop.get(); seq++) {
                        try {
                            String text = stream + ":" + seq;
                            journal.append(1, text.getBytes(StandardCharsets.UTF_8), outcomes.completion(text));
                            appended[thread] = seq + 1;
                        } catch (JournalException closed) {
                            return;
                        }
                        if (seq % 16 == 15) {
                            Thread.yield();
                        }
                    }
                });
                appenders.add(appender);
                appender.start();
            }
            started.await();
            int target = 200 + random.nextInt(3000);
            long deadline = System.nanoTime() + Outcomes.PATIENCE.toNanos();
            while (completedCount(outcomes) < target) {
                if (System.nanoTime() > deadline) {
                    fail("appends do not complete (" + context + ")");
                }
                Thread.sleep(1);
            }
            if (random.nextInt(3) == 0) {
                disk.powerFail(random);
            } else {
                disk.powerFailAtNextWrite(random, GatedDisk::isSegment);
                while (!disk.isOff()) {
                    if (System.nanoTime() > deadline) {
                        fail("nothing is written any more (" + context + ")");
                    }
                    Thread.sleep(1);
                }
            }
            stop.set(true);
            for (Thread appender : appenders) {
                appender.join(TimeUnit.SECONDS.toMillis(30));
            }
            journal.close();
            disk.powerOn();

            int total = 0;
            for (int t = 0; t < THREADS; t++) {
                highestAppended.put("c" + cycle + "t" + t, appended[t]);
                total += appended[t];
            }
            List<Outcomes.Outcome> answers = outcomes.await(total);
            verifyCompletionOrder(answers, context);
            for (Outcomes.Outcome answer : answers) {
                if (answer.completed()) {
                    completedEver.add(answer.tag());
                }
            }
        }
        try (Journal journal = Journal.open(TestJournals.options(dir).channelFactory(disk)
                .maxSegmentBytes(64 * 1024).build())) {
            verifySurvivors(Replayed.texts(journal), completedEver, highestAppended, "seed " + seed + ", at the end");
            assertTrue(completedEver.size() >= CYCLES * 200, "the test made appends complete: " + completedEver.size());
            tornTails += journal.recoveryReport().clean() ? 0 : 1;
            assertTrue(tornTails > 0, "the power never failed with something torn left behind (seed " + seed + ")");
            System.out.println("PowerLossTest: seed " + seed + ", " + CYCLES + " power failures, " + tornTails
                    + " torn tails cut, " + completedEver.size() + " completed appends all present");
        }
    }

    private static int completedCount(Outcomes outcomes) {
        int count = 0;
        for (Outcomes.Outcome outcome : outcomes.all()) {
            if (outcome.completed()) {
                count++;
            }
        }
        return count;
    }

    /**
     * The log holds, per appending thread, a gapless prefix of what it appended, reaching at least its last completed
     * append; nothing in it was never appended.
     */
    private static void verifySurvivors(List<String> replayed, Set<String> completedEver,
                                        Map<String, Integer> highestAppended, String context) {
        Map<String, Integer> nextSeq = new HashMap<>();
        for (String text : replayed) {
            String stream = text.substring(0, text.indexOf(':'));
            int seq = Integer.parseInt(text.substring(text.indexOf(':') + 1));
            int expected = nextSeq.getOrDefault(stream, 0);
            assertEquals(expected, seq, "records of " + stream + " out of order or with a gap (" + context + ")");
            assertTrue(seq < highestAppended.getOrDefault(stream, 0), text + " was never appended (" + context + ")");
            nextSeq.put(stream, seq + 1);
        }
        Set<String> present = new HashSet<>(replayed);
        for (String completed : completedEver) {
            if (!present.contains(completed)) {
                fail(completed + " was reported complete but is lost (" + context + ")");
            }
        }
    }

    private static void verifyCompletionOrder(List<Outcomes.Outcome> answers, String context) {
        Map<String, Integer> lastCompleted = new HashMap<>();
        for (Outcomes.Outcome answer : answers) {
            if (!answer.completed()) {
                continue;
            }
            String stream = answer.tag().substring(0, answer.tag().indexOf(':'));
            int seq = Integer.parseInt(answer.tag().substring(answer.tag().indexOf(':') + 1));
            int previous = lastCompleted.getOrDefault(stream, -1);
            assertTrue(seq > previous, answer.tag() + " completed after seq " + previous + " (" + context + ")");
            lastCompleted.put(stream, seq);
        }
    }
}
