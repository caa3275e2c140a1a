package io.exocom.broker.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.broker.routing.DevelopmentRouting;
import io.exocom.broker.routing.RoutingPolicy;
import io.exocom.broker.routing.StaticRouting;
import io.exocom.broker.store.MessageStore;
import io.exocom.broker.store.memory.MemoryMessageStore;
import io.exocom.broker.wire.InboundMessage;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.ProtocolException;
import io.exocom.protocol.routes.RouteTable;
import io.exocom.protocol.routes.ServiceRoutes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The routing and dispatch rules of PROTOCOL.md §4–5 on the transport-free core, one rule per test. */
class BrokerCoreTest {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CORRELATIONS = 1_000;

    /** Records what the broker writes to one instance. */
    static final class Recorder implements Outbound {
        final List<JsonNode> frames = new ArrayList<>();

        @Override
        public void send(byte[] frame) {
            frames.add(read(frame));
        }

        @Override
        public void deliver(byte[] envelope, int attempt) {
            frames.add(JSON.createObjectNode().put("type", "deliver").put("attempt", attempt).set("message", read(envelope)));
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

        List<String> deliveredIds() {
            List<String> ids = new ArrayList<>();
            for (JsonNode frame : frames) {
                if (frame.path("type").asText().equals("deliver")) {
                    ids.add(frame.path("message").path("id").asText());
                }
            }
            return ids;
        }

        List<JsonNode> deliveries() {
            return frames.stream().filter(f -> f.path("type").asText().equals("deliver")).toList();
        }

        private static JsonNode read(byte[] bytes) {
            try {
                return JSON.readTree(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** What the broker answered one send, carried back to the test. */
    static class Answer implements Acceptance {
        Long timestamp;
        ProtocolException rejection;
        int answers;

        @Override
        public void accepted(long at) {
            timestamp = at;
            answers++;
        }

        @Override
        public void rejected(ProtocolException why) {
            rejection = why;
            answers++;
        }

        Answer assertAccepted() {
            assertNull(rejection, () -> "rejected: " + rejection.getMessage());
            assertNotNull(timestamp, "not answered");
            assertEquals(1, answers, "answered exactly once");
            return this;
        }

        Answer assertRejected(ErrorCode code) {
            assertNotNull(rejection, "not rejected");
            assertEquals(code, rejection.code(), rejection.getMessage());
            assertEquals(1, answers, "answered exactly once");
            return this;
        }
    }

    /** The answer to a sender that registered with protocol 1.3: its commands go out while the store syncs. */
    static final class Answer13 extends Answer {
        @Override
        public boolean deliversWhileStoring() {
            return true;
        }
    }

    /** A store that answers only when the test says so, as a durable one answers after its sync. */
    static class HeldStore implements MessageStore {
        final MemoryMessageStore deadLetters = new MemoryMessageStore(100, 1 << 20);
        final List<Appended> held = new ArrayList<>();

        @Override
        public void append(AcceptedMessage message, List<Delivery> copies, Appended done) {
            held.add(done);
        }

        @Override
        public io.exocom.broker.store.DeadLetterStore deadLetters() {
            return deadLetters.deadLetters();
        }

        @Override
        public String description() {
            return "held";
        }

        @Override
        public void delivered(Delivery copy) {
        }

        @Override
        public void settled(Delivery copy) {
        }

        @Override
        public void deadLettered(io.exocom.broker.store.DeadLetter letter) {
        }

        @Override
        public void replayed(io.exocom.broker.store.DeadLetter letter, Delivery again) {
        }

        @Override
        public io.exocom.broker.store.Recovered recover() {
            return io.exocom.broker.store.Recovered.nothing("none");
        }

        @Override
        public void maintain() {
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private static BrokerSettings settings(int maxQueueDepth, long maxQueueBytes, long maxTotalBytes) {
        return new BrokerSettings(maxQueueDepth, maxQueueBytes, maxTotalBytes, Duration.ofMillis(50), 3,
                Duration.ofMinutes(1), Duration.ofMinutes(1), 100, 100, MAX_CORRELATIONS);
    }

    private static Broker broker(RoutingPolicy routing, int maxQueueDepth) {
        return new Broker(settings(maxQueueDepth, 1L << 30, 1L << 30), () -> routing,
                new MemoryMessageStore(100, 1 << 20), BrokerListener.NONE);
    }

    private static RoutingPolicy routes(ServiceRoutes... services) {
        return new StaticRouting(RouteTable.of(List.of(services)));
    }

    static InboundMessage command(String name, Object payload) {
        return command(name, payload, UUID.randomUUID().toString());
    }

    static InboundMessage command(String name, Object payload, String id) {
        try {
            byte[] bytes = JSON.writeValueAsBytes(payload);
            return new InboundMessage(name, null, bytes, id, null, null, true, Map.of(), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static InboundMessage reply(String name, String commandId, boolean isFinal) {
        return new InboundMessage(name, null, "0".getBytes(StandardCharsets.UTF_8), UUID.randomUUID().toString(), null,
                commandId, isFinal, Map.of(), null);
    }

    private static Answer send(Broker broker, String sender, Instance from, InboundMessage message) {
        Answer answer = new Answer();
        broker.accept(sender, from == null ? new Asker.OverHttp(sender, null) : from.asker(), message, answer);
        return answer;
    }

    private static Instance instance(String service, String id, int prefetch, Recorder out) {
        return new Instance(service, id, prefetch, null, out);
    }

    private static final RoutingPolicy JOBS = routes(
            new ServiceRoutes("boss", Set.of("job"), Set.of()),
            new ServiceRoutes("worker", Set.of(), Set.of("job")),
            new ServiceRoutes("audit", Set.of(), Set.of("job")));

    private static final RoutingPolicy ONE_WORKER = routes(
            new ServiceRoutes("boss", Set.of("job", "other"), Set.of()),
            new ServiceRoutes("worker", Set.of("job.done"), Set.of("job", "other")));

    @Test
    void roundRobinSkipsInstancesWithoutFreePrefetch() {
        Broker broker = broker(JOBS, 100);
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        broker.register(instance("worker", "a", 1, a), () -> { });
        broker.register(instance("worker", "b", 3, b), () -> { });
        for (int i = 0; i < 4; i++) {
            send(broker, "boss", null, command("job", i)).assertAccepted();
        }
        assertEquals(1, a.deliveredIds().size(), "a has prefetch 1");
        assertEquals(3, b.deliveredIds().size());
        assertEquals(4, broker.dispatcher("audit").queued(), "audit has no instance: its copies wait");
    }

    @Test
    void aRedeliveryPrefersAnotherInstanceOverAffinity() {
        Broker broker = broker(JOBS, 100);
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        broker.register(instance("worker", "a", 10, a), () -> { });
        broker.register(instance("worker", "b", 10, b), () -> { });
        InboundMessage job = command("job", 1);
        send(broker, "boss", null, job).assertAccepted();
        boolean aGotIt = !a.deliveredIds().isEmpty();
        Instance holder = broker.dispatcher("worker").instanceForTest(aGotIt ? "a" : "b");
        assertTrue(broker.nack(holder, job.id(), true, "test"));
        Recorder other = aGotIt ? b : a;
        assertEquals(List.of(job.id()), other.deliveredIds(), "redelivered to the instance that did not fail it");
    }

    @Test
    void aFullReceiverRefusesTheWholeCommandAndReleasesTheOthersReservation() {
        Broker broker = broker(JOBS, 2);
        broker.register(instance("audit", "audit-1", 1, new Recorder()), () -> { });
        // worker has no instance: its queue fills at 2
        send(broker, "boss", null, command("job", 1)).assertAccepted();
        send(broker, "boss", null, command("job", 2)).assertAccepted();
        Answer full = send(broker, "boss", null, command("job", 3)).assertRejected(ErrorCode.QUEUE_FULL);
        assertTrue(full.rejection.getMessage().contains("worker"), full.rejection.getMessage());
        assertEquals(1, broker.dispatcher("audit").queued(), "audit got jobs 1 and 2 (one in flight, one queued), not 3");
        assertEquals(2, broker.dispatcher("worker").queued());
    }

    @Test
    void queuesAreBoundedInBytesAsWellAsInCount() {
        // a 1 KB payload makes a copy of about 1,400 bytes: two fit into 4,000, a third does not, a small one does
        Broker broker = new Broker(settings(1000, 4_000, 1L << 30), () -> ONE_WORKER,
                new MemoryMessageStore(100, 1 << 20), BrokerListener.NONE);
        String kilobyte = "x".repeat(1000);
        Answer first = send(broker, "boss", null, command("job", kilobyte));
        Answer second = send(broker, "boss", null, command("job", kilobyte));
        first.assertAccepted();
        second.assertAccepted();
        Answer third = send(broker, "boss", null, command("job", kilobyte)).assertRejected(ErrorCode.QUEUE_FULL);
        assertTrue(third.rejection.getMessage().contains("4000 bytes"), third.rejection.getMessage());
        send(broker, "boss", null, command("job", "small")).assertAccepted();
        assertEquals(3, broker.dispatcher("worker").queued());
    }

    @Test
    void theBrokerWideBoundRefusesWhatWouldPassItAndFreesWhatIsAcked() {
        Broker broker = new Broker(settings(1000, 1L << 30, 5_000), () -> ONE_WORKER,
                new MemoryMessageStore(100, 1 << 20), BrokerListener.NONE);
        Recorder out = new Recorder();
        Instance worker = instance("worker", "w", 100, out);
        broker.register(worker, () -> { });
        String kilobyte = "x".repeat(1000);
        int accepted = 0;
        while (send(broker, "boss", null, command("job", kilobyte)).rejection == null) {
            accepted++;
        }
        assertTrue(accepted >= 2 && accepted <= 4, "a few 1 KB messages fit into 5,000 bytes: " + accepted);
        assertTrue(broker.heldBytes() <= 5_000);
        Answer refused = send(broker, "boss", null, command("job", kilobyte)).assertRejected(ErrorCode.QUEUE_FULL);
        assertTrue(refused.rejection.getMessage().contains("EXOCOM_MAX_TOTAL_BYTES"), refused.rejection.getMessage());
        for (String id : out.deliveredIds()) {
            assertTrue(broker.ack(worker, id));
        }
        assertEquals(0, broker.heldBytes(), "acked copies no longer count");
        send(broker, "boss", null, command("job", kilobyte)).assertAccepted();
    }

    @Test
    void aFailedCopyGoesBackInAcceptanceOrder() {
        Broker broker = broker(ONE_WORKER, 100);
        Recorder recorder = new Recorder();
        Instance only = instance("worker", "only", 1, recorder);
        broker.register(only, () -> { });
        InboundMessage first = command("job", 1);
        send(broker, "boss", null, first).assertAccepted();
        send(broker, "boss", null, command("job", 2)).assertAccepted();
        send(broker, "boss", null, command("job", 3)).assertAccepted();
        broker.nack(only, first.id(), true, "again");
        assertEquals(List.of(first.id(), first.id()), recorder.deliveredIds(), "the nacked first job comes before jobs 2 and 3");
    }

    @Test
    void afterMaxAttemptsTheCopyIsADeadLetter() {
        Broker broker = broker(ONE_WORKER, 100);
        Instance only = instance("worker", "only", 5, new Recorder());
        broker.register(only, () -> { });
        InboundMessage job = command("job", 1);
        send(broker, "boss", null, job).assertAccepted();
        for (int attempt = 1; attempt <= 3; attempt++) {
            broker.nack(only, job.id(), true, "fails");
        }
        assertEquals(1, broker.store().deadLetters().size());
        assertEquals(3, broker.store().deadLetters().list(null, 10).get(0).delivery().attempts());
        assertEquals(0, broker.dispatcher("worker").inFlight());
    }

    @Test
    void theAckTimeoutSweepRedelivers() throws InterruptedException {
        Broker broker = broker(ONE_WORKER, 100);
        Recorder recorder = new Recorder();
        broker.register(instance("worker", "only", 5, recorder), () -> { });
        InboundMessage job = command("job", 1);
        send(broker, "boss", null, job).assertAccepted();
        Thread.sleep(80); // the ack timeout is 50 ms here
        broker.sweep();
        assertEquals(List.of(job.id(), job.id()), recorder.deliveredIds());
        assertEquals(2, recorder.deliveries().get(1).path("attempt").asInt());
    }

    // ------------------------------------------------------------ closing instances (issue 9 item 1)

    @Test
    void aClosingOnlyInstanceGivesBackWithoutBurningAttemptsAndTheNextInstanceGetsEverything() {
        Broker broker = broker(ONE_WORKER, 100);
        Recorder first = new Recorder();
        Instance old = instance("worker", "old", 10, first);
        broker.register(old, () -> { });
        InboundMessage held = command("job", 0);
        send(broker, "boss", null, held).assertAccepted();
        broker.closing(old);
        List<String> later = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            InboundMessage job = command("job", i);
            later.add(job.id());
            send(broker, "boss", null, job).assertAccepted();
        }
        assertEquals(List.of(held.id()), first.deliveredIds(), "a closing instance gets no more commands");
        assertTrue(broker.nack(old, held.id(), true, "closing")); // the relay hands back what it holds
        assertEquals(List.of(held.id()), first.deliveredIds(), "not straight back to the closing instance");
        assertEquals(0, broker.store().deadLetters().size(), "nothing is dead-lettered");
        broker.unregister(old);
        Recorder second = new Recorder();
        broker.register(instance("worker", "new", 10, second), () -> { });
        List<String> expected = new ArrayList<>(List.of(held.id()));
        expected.addAll(later);
        assertEquals(expected, second.deliveredIds(), "the next instance gets them all, in order");
        assertEquals(1, second.deliveries().get(0).path("attempt").asInt(), "giving back cost no attempt");
    }

    @Test
    void anInstanceGetsOnlyTheNamesItDeclaredAndOthersWaitWithoutBlockingIt() {
        Broker broker = broker(ONE_WORKER, 100);
        Recorder out = new Recorder();
        broker.register(new Instance("worker", "w", 10, Set.of("job"), out), () -> { });
        InboundMessage other = command("other", 1);
        send(broker, "boss", null, other).assertAccepted();
        InboundMessage job = command("job", 2);
        send(broker, "boss", null, job).assertAccepted();
        assertEquals(List.of(job.id()), out.deliveredIds(), "the undeclared command waits and does not block the next");
        assertEquals(1, broker.dispatcher("worker").queued());
        Recorder second = new Recorder();
        broker.register(new Instance("worker", "w2", 10, Set.of("other"), second), () -> { });
        assertEquals(List.of(other.id()), second.deliveredIds(), "an instance that takes it gets it");
    }

    // ------------------------------------------------------------ ids of different senders (issue 9 item 6)

    private static final RoutingPolicy TWO_ASKERS = routes(
            new ServiceRoutes("alpha", Set.of("job"), Set.of()),
            new ServiceRoutes("beta", Set.of("job"), Set.of()),
            new ServiceRoutes("worker", Set.of("job.done"), Set.of("job")));

    @Test
    void collidingIdsOfTwoSendersAreBothDeliveredAckedAndRepliedToTheRightAsker() {
        Broker broker = broker(TWO_ASKERS, 100);
        Recorder workerOut = new Recorder();
        Instance worker = instance("worker", "w", 2, workerOut);
        Recorder alphaOut = new Recorder();
        Recorder betaOut = new Recorder();
        Instance alpha = instance("alpha", "a", 10, alphaOut);
        Instance beta = instance("beta", "b", 10, betaOut);
        broker.register(worker, () -> { });
        broker.register(alpha, () -> { });
        broker.register(beta, () -> { });
        send(broker, "alpha", alpha, command("job", "from alpha", "same-id")).assertAccepted();
        send(broker, "beta", beta, command("job", "from beta", "same-id")).assertAccepted();
        List<JsonNode> delivered = workerOut.deliveries();
        assertEquals(2, delivered.size(), "both are delivered");
        String alphaId = delivered.get(0).path("message").path("id").asText();
        String betaId = delivered.get(1).path("message").path("id").asText();
        assertEquals("same-id", alphaId);
        assertFalse(betaId.equals(alphaId), "the second is delivered under an id of its own: " + betaId);
        assertEquals("beta", delivered.get(1).path("message").path("sender").asText());
        send(broker, "worker", worker, reply("job.done", betaId, true)).assertAccepted();
        send(broker, "worker", worker, reply("job.done", alphaId, true)).assertAccepted();
        assertEquals(1, betaOut.deliveries().size());
        assertEquals("same-id", betaOut.deliveries().get(0).path("message").path("responseTo").asText(),
                "the asker sees its own id");
        assertEquals(1, alphaOut.deliveries().size());
        assertTrue(broker.ack(worker, betaId));
        assertTrue(broker.ack(worker, alphaId));
        assertEquals(0, broker.dispatcher("worker").inFlight(), "no prefetch leaks");
    }

    @Test
    void aDisconnectWithCollidingIdsRedeliversBoth() {
        Broker broker = broker(TWO_ASKERS, 100);
        Instance worker = instance("worker", "w", 2, new Recorder());
        broker.register(worker, () -> { });
        send(broker, "alpha", null, command("job", 1, "dup")).assertAccepted();
        send(broker, "beta", null, command("job", 2, "dup")).assertAccepted();
        assertEquals(2, broker.dispatcher("worker").inFlight());
        broker.unregister(worker);
        assertEquals(2, broker.dispatcher("worker").queued(), "neither copy vanished");
        Recorder next = new Recorder();
        broker.register(instance("worker", "w2", 2, next), () -> { });
        assertEquals(2, next.deliveredIds().size());
        assertEquals(2, Set.copyOf(next.deliveredIds()).size(), "still under distinct ids");
    }

    // ------------------------------------------------------------ de-duplication (issue 9 item 4)

    @Test
    void aDuplicateOfASendBeingStoredGetsTheFirstOnesRealAnswer() {
        HeldStore store = new HeldStore();
        Broker broker = new Broker(settings(100, 1L << 30, 1L << 30), () -> ONE_WORKER, store, BrokerListener.NONE);
        InboundMessage job = command("job", 1, "retry-me");
        Answer first = send(broker, "boss", null, job);
        Answer duplicate = send(broker, "boss", null, job);
        assertEquals(0, first.answers + duplicate.answers, "nothing is answered before the store answers");
        store.held.get(0).failed(new ProtocolException(ErrorCode.QUEUE_FULL, "disk gone"));
        first.assertRejected(ErrorCode.QUEUE_FULL);
        duplicate.assertRejected(ErrorCode.QUEUE_FULL);
        assertEquals(1, store.held.size(), "the duplicate was never stored on its own");

        Answer again = send(broker, "boss", null, job);
        Answer againDuplicate = send(broker, "boss", null, job);
        store.held.get(1).stored();
        again.assertAccepted();
        againDuplicate.assertAccepted();
        assertEquals(again.timestamp, againDuplicate.timestamp);
        send(broker, "boss", null, job).assertAccepted();
        assertEquals(2, store.held.size(), "a known id is answered from memory");
    }

    /** A broker over a held store, with one registered worker instance. */
    private record Held(HeldStore store, Broker broker, Recorder out, Instance worker) {
        static Held of(long maxTotalBytes, int prefetch) {
            HeldStore store = new HeldStore();
            Broker broker = new Broker(settings(1000, 1L << 30, maxTotalBytes), () -> ONE_WORKER, store,
                    BrokerListener.NONE);
            Recorder out = new Recorder();
            Instance worker = instance("worker", "w", prefetch, out);
            broker.register(worker, () -> { });
            return new Held(store, broker, out, worker);
        }
    }

    /** A send over HTTP's asker, answered to a sender that registered with protocol 1.3. */
    private static Answer send13(Broker broker, InboundMessage message) {
        Answer answer = new Answer13();
        broker.accept("boss", new Asker.OverHttp("boss", null), message, answer);
        return answer;
    }

    @Test
    void aCommandOfA13SenderReachesItsReceiverWhileTheStoreSyncsAndIsAcceptedOnlyAfterIt() {
        Held held = Held.of(1L << 30, 10);
        HeldStore store = held.store();
        Broker broker = held.broker();
        Recorder out = held.out();
        Instance worker = held.worker();

        Answer early = send13(broker, command("job", 1, "early"));
        assertEquals(List.of("early"), out.deliveredIds(), "delivered before the store answered");
        assertEquals(0, early.answers, "not accepted before the store holds it");
        assertTrue(broker.ack(worker, "early"), "an ack may come before the sync ends");
        store.held.get(0).stored();
        early.assertAccepted();
        assertEquals(0, broker.heldBytes(), "the acked copy holds nothing once stored");

        Answer late = send(broker, "boss", null, command("job", 2, "late")); // an older sender, or HTTP
        assertEquals(List.of("early"), out.deliveredIds(), "an older sender's command waits for the store");
        store.held.get(1).stored();
        late.assertAccepted();
        assertEquals(List.of("early", "late"), out.deliveredIds());
    }

    @Test
    void whatTheStoreStillWritesCountsAgainstTheMemoryBoundThoughItsCopiesWereAckedEarly() {
        Held held = Held.of(5_000, 1000); // a disk that never finishes: the journal's backlog must not grow forever
        HeldStore store = held.store();
        Broker broker = held.broker();
        Recorder out = held.out();
        Instance worker = held.worker();
        String kilobyte = "x".repeat(1000);
        Answer last = null;
        int sent = 0;
        while (sent < 100 && (last == null || last.rejection == null)) {
            last = send13(broker, command("job", kilobyte));
            sent++;
            for (String id : out.deliveredIds()) {
                broker.ack(worker, id); // the receiver keeps up; only the store lags
            }
            out.frames.clear();
        }
        assertNotNull(last.rejection, "refused once the messages in the store's hand fill the bound: " + sent);
        last.assertRejected(ErrorCode.QUEUE_FULL);
        assertTrue(sent <= 6, "a few 1 KB messages fit into 5,000 bytes: " + sent);
        assertTrue(broker.heldBytes() <= 5_000, "held " + broker.heldBytes());
        store.held.forEach(MessageStore.Appended::stored);
        for (String id : out.deliveredIds()) { // one that found no room for early waited for the store, as a 1.2 one
            broker.ack(worker, id);
        }
        out.frames.clear();
        assertEquals(0, broker.heldBytes(), "stored and acked: nothing held");
        Answer again = send13(broker, command("job", kilobyte));
        assertEquals(0, again.answers);
        assertEquals(1, out.deliveredIds().size(), "room again once the store caught up");
    }

    @Test
    void aStoreFailureAfterAnEarlyDeliveryIsRefusedSayingSoAndTheCopyStaysAtLeastOnce() {
        Held held = Held.of(1L << 30, 10);
        HeldStore store = held.store();
        Broker broker = held.broker();
        Recorder out = held.out();
        Instance worker = held.worker();

        Answer early = send13(broker, command("job", 1, "doomed"));
        store.held.get(0).failed(new ProtocolException(ErrorCode.STORAGE_UNAVAILABLE, "disk full"));
        early.assertRejected(ErrorCode.STORAGE_UNAVAILABLE);
        assertTrue(early.rejection.getMessage().contains("may reach them"), early.rejection.getMessage());
        assertEquals(List.of("doomed"), out.deliveredIds());
        assertTrue(broker.heldBytes() > 0, "the delivered copy keeps its room until it is settled");
        assertTrue(broker.ack(worker, "doomed"));
        assertEquals(0, broker.heldBytes());
        assertEquals(0, broker.rememberedIds(), "a refused id is not remembered: sending it again is a new send");

        // the store refuses while the send is decided: nothing goes out
        HeldStore refusing = new HeldStore() {
            @Override
            public void append(AcceptedMessage message, List<Delivery> copies, Appended done) {
                done.failed(new ProtocolException(ErrorCode.STORAGE_UNAVAILABLE, "disk full"));
            }
        };
        Broker full = new Broker(settings(100, 1L << 30, 1L << 30), () -> ONE_WORKER, refusing, BrokerListener.NONE);
        Recorder fullOut = new Recorder();
        full.register(instance("worker", "w", 10, fullOut), () -> { });
        Answer refusedFirst = send13(full, command("job", 1, "never"));
        refusedFirst.assertRejected(ErrorCode.STORAGE_UNAVAILABLE);
        assertEquals(List.of(), fullOut.deliveredIds(), "refused before it was queued: delivered nowhere");
        assertEquals(0, full.heldBytes());
    }

    @Test
    void rejectedIdsLeaveNothingBehind() {
        Broker broker = broker(ONE_WORKER, 1);
        send(broker, "boss", null, command("job", 0)).assertAccepted(); // fills worker's queue of 1
        for (int i = 0; i < 10_000; i++) {
            send(broker, "boss", null, command("job", i)).assertRejected(ErrorCode.QUEUE_FULL);
        }
        assertEquals(1, broker.rememberedIds(), "only the accepted id is remembered");
    }

    @Test
    void deduplicationIsBoundedAndExpires() {
        Deduplicator dedup = new Deduplicator(1_000, 32);
        for (int i = 0; i < 500; i++) {
            Answer answer = new Answer();
            Deduplicator.Pending pending = dedup.begin("s", "id-" + i, answer, i);
            assertNotNull(pending);
            dedup.complete(pending, i, i);
        }
        assertTrue(dedup.size() <= 32, "bounded: " + dedup.size());
        Answer known = new Answer();
        assertNull(dedup.begin("s", "id-499", known, 600), "the newest is known");
        assertEquals(499L, known.timestamp);
        dedup.expire(5_000);
        assertEquals(0, dedup.size(), "expired after the window");
    }

    // ------------------------------------------------------------ replies

    @Test
    void repliesToHttpCommandsNeverFillAQueue() {
        RoutingPolicy routing = routes(new ServiceRoutes("cron", Set.of("job"), Set.of()),
                new ServiceRoutes("worker", Set.of("job.done"), Set.of("job")));
        Broker broker = broker(routing, 3);
        Recorder out = new Recorder();
        Instance worker = instance("worker", "w", 100, out);
        broker.register(worker, () -> { });
        for (int i = 0; i < 10; i++) {
            send(broker, "cron", null, command("job", i)).assertAccepted();
        }
        for (String id : out.deliveredIds()) {
            send(broker, "worker", worker, reply("job.done", id, true)).assertAccepted();
            broker.ack(worker, id);
        }
        assertEquals(0, broker.dispatcher("cron").queued(), "no relay of cron reads replies: none waits");
        send(broker, "cron", null, command("job", 11)).assertAccepted();
    }

    @Test
    void aReplyWaiterGetsTheRepliesAndAfterItsTimeTheyAreDropped() {
        RoutingPolicy routing = routes(new ServiceRoutes("cron", Set.of("job"), Set.of()),
                new ServiceRoutes("worker", Set.of("job.progress", "job.done"), Set.of("job")));
        Broker broker = broker(routing, 100);
        Recorder out = new Recorder();
        Instance worker = instance("worker", "w", 100, out);
        broker.register(worker, () -> { });
        List<AcceptedMessage> received = new ArrayList<>();
        boolean[] waiting = {true};
        Asker.ReplyWaiter waiter = reply -> {
            if (!waiting[0]) {
                return false;
            }
            received.add(reply);
            return true;
        };
        InboundMessage job = command("job", 1);
        Answer answer = new Answer();
        broker.accept("cron", new Asker.OverHttp("cron", waiter), job, answer);
        answer.assertAccepted();
        send(broker, "worker", worker, reply("job.progress", job.id(), false)).assertAccepted();
        waiting[0] = false; // the request timed out
        send(broker, "worker", worker, reply("job.done", job.id(), true)).assertAccepted();
        assertEquals(1, received.size());
        assertEquals("job.progress", received.get(0).name());
        assertEquals(0, broker.dispatcher("cron").queued());
    }

    @Test
    void correlationsAreBoundedAndALateReplyToADroppedOneIsRefused() {
        int max = 32;
        Broker broker = new Broker(new BrokerSettings(10_000, 1L << 30, 1L << 30, Duration.ofMinutes(1), 3,
                Duration.ofMinutes(1), Duration.ofMinutes(1), 10_000, 100, max), () -> ONE_WORKER,
                new MemoryMessageStore(100, 1 << 20), BrokerListener.NONE);
        Instance worker = instance("worker", "w", 10_000, new Recorder());
        Instance boss = instance("boss", "b", 10, new Recorder());
        broker.register(worker, () -> { });
        broker.register(boss, () -> { });
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            InboundMessage job = command("job", i, "job-" + i);
            send(broker, "boss", boss, job).assertAccepted();
            ids.add(job.id());
        }
        assertTrue(broker.openCorrelations() <= max, "bounded: " + broker.openCorrelations());
        assertEquals(500 - broker.openCorrelations(), broker.evictedCorrelations());
        send(broker, "worker", worker, reply("job.done", ids.get(0), true)).assertRejected(ErrorCode.UNKNOWN_COMMAND);
        send(broker, "worker", worker, reply("job.done", ids.get(499), true)).assertAccepted();
    }

    @Test
    void developmentRoutingFollowsTheLatestDeclaration() {
        DevelopmentRouting routing = new DevelopmentRouting();
        routing.learn("b", List.of("x", "y"));
        routing.learn("a", List.of("x"));
        assertEquals(List.of("a", "b"), routing.receiversOf("x"));
        routing.learn("b", List.of("y"));
        assertEquals(List.of("a"), routing.receiversOf("x"));
        assertEquals(List.of("b"), routing.receiversOf("y"));
        assertTrue(routing.maySend("anyone", "anything"));
    }

    @Test
    void aStoppingBrokerRefusesWithShuttingDown() {
        Broker broker = broker(ONE_WORKER, 100);
        broker.stopAccepting();
        send(broker, "boss", null, command("job", 1)).assertRejected(ErrorCode.SHUTTING_DOWN);
    }
}
