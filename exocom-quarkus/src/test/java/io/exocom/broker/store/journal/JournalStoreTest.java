package io.exocom.broker.store.journal;

import io.exocom.broker.core.Acceptance;
import io.exocom.broker.core.Asker;
import io.exocom.broker.core.Broker;
import io.exocom.broker.core.BrokerListener;
import io.exocom.broker.core.BrokerSettings;
import io.exocom.broker.core.Delivery;
import io.exocom.broker.core.Instance;
import io.exocom.broker.core.Outbound;
import io.exocom.broker.routing.RoutingPolicy;
import io.exocom.broker.routing.StaticRouting;
import io.exocom.broker.store.memory.MemoryDeadLetterStore;
import io.exocom.broker.wire.InboundMessage;
import io.exocom.journal.ChannelFactory;
import io.exocom.journal.JournalOptions;
import io.exocom.journal.fault.FailingDisk;
import io.exocom.journal.fault.GatedDisk;
import io.exocom.journal.fault.PowerLossDisk;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.ProtocolException;
import io.exocom.protocol.routes.RouteTable;
import io.exocom.protocol.routes.ServiceRoutes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal store under the broker's core, on disks that fail (issue 10): power lost at random moments, a full
 * disk, restarts with copies acked, dead-lettered and waiting, and reclaiming space. Every message answered
 * {@code accepted} is there after the restart.
 */
class JournalStoreTest {
    private static final RoutingPolicy ROUTES = new StaticRouting(RouteTable.of(List.of(
            new ServiceRoutes("boss", Set.of("job"), Set.of()),
            new ServiceRoutes("worker", Set.of("job.done"), Set.of("job")))));

    @TempDir
    Path dir;

    /** A broker over a journal store in {@link #dir}, recovered. */
    private record Running(Broker broker, JournalMessageStore store) {
        void close() {
            store.close();
        }
    }

    private Running open(ChannelFactory disk, Duration windows, long segmentBytes) {
        JournalOptions.Builder options = JournalOptions.builder(dir).maxSegmentBytes(segmentBytes)
                .probeInterval(Duration.ofMillis(20)).preallocate(false);
        if (disk != null) {
            options.channelFactory(disk);
        }
        BrokerSettings settings = new BrokerSettings(1_000_000, 1L << 40, 1L << 40, Duration.ofMinutes(5), 3, windows,
                windows, 1_000_000, 100, 1_000_000);
        JournalMessageStore store = JournalMessageStore.open(options.build(), new MemoryDeadLetterStore(1000, 1L << 30),
                new JournalMessageStore.Settings(windows.toNanos(), windows.toNanos(), 1_000_000, 1_000_000));
        Broker broker = new Broker(settings, () -> ROUTES, store, BrokerListener.NONE);
        store.windowsFrom(broker.windowSource());
        broker.restore(store.recover());
        return new Running(broker, store);
    }

    private Running open() {
        return open(null, Duration.ofMinutes(10), 1 << 20);
    }

    private static InboundMessage command(String id) {
        return new InboundMessage("job", null, ("\"" + id + "\"").getBytes(StandardCharsets.UTF_8), id, null, null,
                true, Map.of(), null);
    }

    /** The answers of many sends, carried back to the test thread. */
    private static final class Answers {
        final Map<String, Long> accepted = new ConcurrentHashMap<>();
        final Map<String, ProtocolException> rejected = new ConcurrentHashMap<>();
        final CountDownLatch all;

        Answers(int expected) {
            all = new CountDownLatch(expected);
        }

        Acceptance of(String id) {
            return of(id, false);
        }

        /** @param early the sender registered with protocol 1.3: its command goes out while the journal syncs */
        Acceptance of(String id, boolean early) {
            return new Acceptance() {
                @Override
                public boolean deliversWhileStoring() {
                    return early;
                }

                @Override
                public void accepted(long timestamp) {
                    accepted.put(id, timestamp);
                    all.countDown();
                }

                @Override
                public void rejected(ProtocolException rejection) {
                    rejected.put(id, rejection);
                    all.countDown();
                }
            };
        }
    }

    private static void send(Broker broker, String id, Acceptance answer) {
        broker.accept("boss", new Asker.OverHttp("boss", null), command(id), answer);
    }

    private static Set<String> waitingIds(Broker broker) {
        Set<String> ids = new HashSet<>();
        for (Delivery copy : broker.dispatcher("worker").waiting(Integer.MAX_VALUE)) {
            ids.add(copy.message().id());
        }
        return ids;
    }

    @Test
    void everyAcceptedMessageSurvivesPowerLossAtRandomMoments() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        PowerLossDisk disk = new PowerLossDisk();
        Map<String, Long> acceptedEver = new ConcurrentHashMap<>();
        int cycles = 8;
        for (int cycle = 0; cycle < cycles; cycle++) {
            Running running = open(disk, Duration.ofMinutes(10), 64 * 1024);
            String context = "seed " + seed + ", cycle " + cycle;
            Set<String> waiting = waitingIds(running.broker());
            for (String id : acceptedEver.keySet()) {
                assertTrue(waiting.contains(id), id + " was accepted and is gone (" + context + ")");
            }
            Answers answers = new Answers(Integer.MAX_VALUE);
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                String prefix = "c" + cycle + "t" + t + "-";
                Thread sender = new Thread(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        send(running.broker(), prefix + n, answers.of(prefix + n));
                        if (n % 32 == 31) {
                            Thread.yield();
                        }
                    }
                });
                senders.add(sender);
                sender.start();
            }
            int target = 100 + random.nextInt(1500);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answers.accepted.size() < target && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            disk.powerFail(random);
            stop.set(true);
            for (Thread sender : senders) {
                sender.join(30_000);
            }
            running.close();
            disk.powerOn();
            acceptedEver.putAll(answers.accepted);
        }
        Running last = open(disk, Duration.ofMinutes(10), 64 * 1024);
        Set<String> waiting = waitingIds(last.broker());
        int lost = 0;
        for (String id : acceptedEver.keySet()) {
            lost += waiting.contains(id) ? 0 : 1;
        }
        System.out.printf("JournalStoreTest power loss: seed %d, %d cycles, %d accepted, %d waiting after the last restart, %d lost%n",
                seed, cycles, acceptedEver.size(), waiting.size(), lost);
        assertEquals(0, lost, "seed " + seed);
        assertTrue(acceptedEver.size() >= cycles * 100, "the test accepted something: " + acceptedEver.size());
        String someId = acceptedEver.keySet().iterator().next();
        Answers again = new Answers(1);
        send(last.broker(), someId, again.of(someId));
        assertEquals(acceptedEver.get(someId), again.accepted.get(someId), "a re-sent id gets its first timestamp back");
        assertEquals(waiting.size(), waitingIds(last.broker()).size(), "and is not queued twice");
        last.close();
    }

    @Test
    void aFullDiskRefusesStorageUnavailableLosesNothingAndAcceptsAgainWhenItHasRoom() throws Exception {
        FailingDisk disk = new FailingDisk();
        Running running = open(disk, Duration.ofMinutes(10), 1 << 20);
        Answers before = new Answers(50);
        for (int i = 0; i < 50; i++) {
            send(running.broker(), "before-" + i, before.of("before-" + i));
        }
        assertTrue(before.all.await(30, TimeUnit.SECONDS));
        assertEquals(50, before.accepted.size());
        disk.failWritesAfter(0);
        Answers during = new Answers(20);
        for (int i = 0; i < 20; i++) {
            send(running.broker(), "during-" + i, during.of("during-" + i));
        }
        assertTrue(during.all.await(30, TimeUnit.SECONDS));
        assertEquals(0, during.accepted.size(), "nothing is accepted that is not stored");
        during.rejected.values().forEach(rejection -> assertEquals(ErrorCode.STORAGE_UNAVAILABLE, rejection.code()));
        assertTrue(!running.store().isAvailable());
        disk.heal();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!running.store().isAvailable() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(running.store().isAvailable(), "available again once the disk has room");
        Answers after = new Answers(1);
        send(running.broker(), "during-0", after.of("during-0"));
        assertTrue(after.all.await(30, TimeUnit.SECONDS));
        assertNotNull(after.accepted.get("during-0"), "a refused id is judged afresh");
        running.close();
        Running reopened = open();
        Set<String> waiting = waitingIds(reopened.broker());
        assertTrue(waiting.containsAll(before.accepted.keySet()));
        assertTrue(waiting.contains("during-0"));
        assertEquals(51, waiting.size(), "exactly what was accepted: " + waiting);
        reopened.close();
    }

    /** Collects what the broker delivers to one instance. */
    private static final class Recorder implements Outbound {
        final List<String> delivered = new ArrayList<>();

        @Override
        public synchronized void send(byte[] frame) {
        }

        @Override
        public synchronized void deliver(byte[] envelope, int attempt) {
            String text = new String(envelope, StandardCharsets.UTF_8);
            int at = text.indexOf("\"id\":\"") + 6;
            delivered.add(text.substring(at, text.indexOf('"', at)));
        }

        @Override
        public void close(int code, String reason) {
        }

        @Override
        public boolean isBackedUp() {
            return false;
        }

        @Override
        public void whenDrained(Runnable resume) {
        }
    }

    @Test
    void acksDeadLettersAndAttemptsSurviveARestart() throws Exception {
        Running running = open();
        Answers answers = new Answers(6);
        for (int i = 0; i < 6; i++) {
            send(running.broker(), "job-" + i, answers.of("job-" + i));
        }
        assertTrue(answers.all.await(30, TimeUnit.SECONDS));
        Recorder out = new Recorder();
        Instance worker = new Instance("worker", "w", 100, null, out);
        running.broker().register(worker, () -> { });
        assertEquals(6, out.delivered.size());
        running.broker().ack(worker, "job-0");
        running.broker().ack(worker, "job-1");
        running.broker().nack(worker, "job-2", false, "poison");
        running.broker().unregister(worker); // job-3..5 go back to the queue, attempt 1 done
        running.close();

        Running reopened = open();
        assertEquals(Set.of("job-3", "job-4", "job-5"), waitingIds(reopened.broker()), "acked and dead ones do not come back");
        assertEquals(1, reopened.broker().store().deadLetters().size());
        assertEquals("job-2", reopened.broker().store().deadLetters().list(null, 10).get(0).delivery().message().id());
        for (Delivery copy : reopened.broker().dispatcher("worker").waiting(10)) {
            assertEquals(1, copy.attempts(), "attempts so far are kept");
        }
        reopened.close();
    }

    @Test
    void aCommandDeliveredAndAckedWhileItsSyncRunsLeavesNothingLiveAndOneNotAckedComesBack() throws Exception {
        GatedDisk disk = new GatedDisk();
        Running running = open(disk, Duration.ofMinutes(10), 1 << 20);
        Recorder out = new Recorder();
        Instance worker = new Instance("worker", "w", 100, null, out);
        running.broker().register(worker, () -> { });

        disk.holdNextForce();
        Answers acked = new Answers(1);
        send(running.broker(), "acked-early", acked.of("acked-early", true));
        disk.awaitHeldForce();
        assertEquals(List.of("acked-early"), out.delivered, "delivered while its sync is held");
        assertEquals(1, acked.all.getCount(), "not accepted while its sync is held");
        assertTrue(running.broker().ack(worker, "acked-early"));
        disk.releaseForce();
        assertTrue(acked.all.await(30, TimeUnit.SECONDS));
        assertNotNull(acked.accepted.get("acked-early"));
        assertEquals(0, running.store().liveMessages(), "a copy settled before its message was stored pins nothing");

        disk.holdNextForce();
        Answers held = new Answers(1);
        send(running.broker(), "in-flight", held.of("in-flight", true));
        disk.awaitHeldForce();
        assertEquals(List.of("acked-early", "in-flight"), out.delivered);
        disk.releaseForce();
        assertTrue(held.all.await(30, TimeUnit.SECONDS));
        assertNotNull(held.accepted.get("in-flight"));
        assertEquals(1, running.store().liveMessages());
        running.close(); // the broker dies with "in-flight" unacked

        Running reopened = open();
        assertEquals(Set.of("in-flight"), waitingIds(reopened.broker()), "the acked one stays acked, the other waits");
        reopened.close();
    }

    @Test
    void oldSegmentsAreReclaimedAndALongWaitingMessageIsWrittenAgainAtTheHead() throws Exception {
        Running running = open(null, Duration.ofMillis(1), 64 * 1024);
        Answers first = new Answers(1);
        send(running.broker(), "waits-long", first.of("waits-long"));
        assertTrue(first.all.await(30, TimeUnit.SECONDS));
        Recorder out = new Recorder();
        Instance worker = new Instance("worker", "w", 1_000_000, java.util.Set.of("job"), out);
        // the long-waiting message is taken by nobody: it stays in the queue, the rest is acked at once
        String payload = "x".repeat(400);
        Answers rest = new Answers(2000);
        for (int i = 0; i < 2000; i++) {
            running.broker().accept("boss", new Asker.OverHttp("boss", null), new InboundMessage("job", null,
                    ("\"" + payload + "\"").getBytes(StandardCharsets.UTF_8), "fill-" + i, null, null, true, Map.of(),
                    null), rest.of("fill-" + i));
        }
        assertTrue(rest.all.await(60, TimeUnit.SECONDS));
        running.broker().register(worker, () -> { });
        for (String id : new ArrayList<>(out.delivered)) {
            if (!id.equals("waits-long")) {
                running.broker().ack(worker, id);
            }
        }
        int before = running.store().journal().segments().size();
        assertTrue(before > 8, "the test wrote many segments: " + before);
        for (int i = 0; i < 50; i++) {
            running.store().maintain();
            Thread.sleep(5);
        }
        int after = running.store().journal().segments().size();
        assertTrue(after <= 6, "segments with nothing live are deleted, the live message moved: " + before + " -> " + after);
        assertTrue(running.store().compactedMessages() >= 1, "the waiting message was written again at the head");
        running.broker().unregister(worker);
        running.close();
        Running reopened = open(null, Duration.ofMillis(1), 64 * 1024);
        assertEquals(Set.of("waits-long"), waitingIds(reopened.broker()), "what waits is still there");
        reopened.close();
    }

    @Test
    void windowsOutliveTheSegmentsTheyCameFrom() throws Exception {
        Running running = open(null, Duration.ofHours(1), 64 * 1024);
        Recorder out = new Recorder();
        Instance worker = new Instance("worker", "w", 1_000_000, null, out);
        running.broker().register(worker, () -> { });
        Answers answers = new Answers(3000);
        String payload = "y".repeat(300);
        for (int i = 0; i < 3000; i++) {
            running.broker().accept("boss", new Asker.OverHttp("boss", null), new InboundMessage("job", null,
                    ("\"" + payload + "\"").getBytes(StandardCharsets.UTF_8), "old-" + i, null, null, true, Map.of(),
                    null), answers.of("old-" + i));
        }
        assertTrue(answers.all.await(60, TimeUnit.SECONDS));
        for (String id : new ArrayList<>(out.delivered)) {
            running.broker().ack(worker, id);
        }
        int before = running.store().journal().segments().size();
        for (int i = 0; i < 20; i++) {
            running.store().maintain();
        }
        int after = running.store().journal().segments().size();
        assertTrue(after < before, "windows alone no longer pin old segments: " + before + " -> " + after);
        running.broker().unregister(worker);
        running.close();
        Running reopened = open(null, Duration.ofHours(1), 64 * 1024);
        Answers again = new Answers(1);
        send(reopened.broker(), "old-0", again.of("old-0"));
        assertEquals(answers.accepted.get("old-0"), again.accepted.get("old-0"),
                "the first id's de-duplication outlived its segment");
        assertTrue(waitingIds(reopened.broker()).isEmpty(), "and it is not delivered again");
        reopened.close();
    }
}
