package io.exocom.broker.core;

import com.fasterxml.jackson.databind.node.IntNode;
import io.exocom.broker.routing.DevelopmentRouting;
import io.exocom.broker.routing.RoutingPolicy;
import io.exocom.broker.routing.StaticRouting;
import io.exocom.broker.store.memory.MemoryMessageStore;
import io.exocom.protocol.Envelope;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.FrameCodec;
import io.exocom.protocol.ProtocolException;
import io.exocom.protocol.routes.RouteTable;
import io.exocom.protocol.routes.ServiceRoutes;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The routing and dispatch rules of PROTOCOL.md §4–5 on the transport-free core, one rule per test. */
class BrokerCoreTest {
    private static final FrameCodec CODEC = new FrameCodec();
    private static final int MAX_CORRELATIONS = 1_000;

    /** Records what the broker writes to one instance. */
    static final class Recorder implements Outbound {
        final List<String> frames = new ArrayList<>();

        @Override
        public void send(String frame) {
            frames.add(frame);
        }

        @Override
        public void close(int code, String reason) {
        }

        List<String> deliveredIds() {
            List<String> ids = new ArrayList<>();
            for (String frame : frames) {
                var deliver = CODEC.decodeBrokerFrame(frame);
                if (deliver instanceof io.exocom.protocol.Frame.Deliver d) {
                    ids.add(d.message().id());
                }
            }
            return ids;
        }
    }

    private static Broker broker(RoutingPolicy routing, int maxQueueDepth) {
        BrokerSettings settings = new BrokerSettings(maxQueueDepth, Duration.ofMillis(50), 3, Duration.ofMinutes(1),
                Duration.ofMinutes(1), 100, 100, MAX_CORRELATIONS);
        return new Broker(settings, () -> routing, new MemoryMessageStore(100), BrokerListener.NONE, CODEC);
    }

    private static RoutingPolicy routes(ServiceRoutes... services) {
        return new StaticRouting(RouteTable.of(List.of(services)));
    }

    private static Envelope command(String name, int payload) {
        return Envelope.command(name, IntNode.valueOf(payload)).withId(UUID.randomUUID().toString());
    }

    private static final RoutingPolicy JOBS = routes(
            new ServiceRoutes("boss", Set.of("job"), Set.of()),
            new ServiceRoutes("worker", Set.of(), Set.of("job")),
            new ServiceRoutes("audit", Set.of(), Set.of("job")));

    @Test
    void roundRobinSkipsInstancesWithoutFreePrefetch() {
        Broker broker = broker(JOBS, 100);
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        broker.register(new Instance("worker", "a", 1, a), () -> { });
        broker.register(new Instance("worker", "b", 3, b), () -> { });
        for (int i = 0; i < 4; i++) {
            broker.accept("boss", null, command("job", i));
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
        broker.register(new Instance("worker", "a", 10, a), () -> { });
        broker.register(new Instance("worker", "b", 10, b), () -> { });
        Envelope job = command("job", 1);
        broker.accept("boss", null, job);
        boolean aGotIt = !a.deliveredIds().isEmpty();
        Instance holder = broker.dispatcher("worker").instanceForTest(aGotIt ? "a" : "b");
        assertTrue(broker.nack(holder, job.id(), true, "test"));
        Recorder other = aGotIt ? b : a;
        assertEquals(List.of(job.id()), other.deliveredIds(), "redelivered to the instance that did not fail it");
    }

    @Test
    void aFullReceiverRefusesTheWholeCommandAndReleasesTheOthersReservation() {
        Broker broker = broker(JOBS, 2);
        broker.register(new Instance("audit", "audit-1", 1, new Recorder()), () -> { });
        // worker has no instance: its queue fills at 2
        broker.accept("boss", null, command("job", 1));
        broker.accept("boss", null, command("job", 2));
        ProtocolException full = assertThrows(ProtocolException.class, () -> broker.accept("boss", null, command("job", 3)));
        assertEquals(ErrorCode.QUEUE_FULL, full.code());
        assertTrue(full.getMessage().contains("worker"), full.getMessage());
        assertEquals(1, broker.dispatcher("audit").queued(), "audit got jobs 1 and 2 (one in flight, one queued), not 3");
        assertEquals(2, broker.dispatcher("worker").queued());
    }

    @Test
    void aFailedCopyGoesBackInAcceptanceOrder() {
        Broker broker = broker(routes(new ServiceRoutes("boss", Set.of("job"), Set.of()),
                new ServiceRoutes("worker", Set.of(), Set.of("job"))), 100);
        Recorder recorder = new Recorder();
        Instance only = new Instance("worker", "only", 1, recorder);
        broker.register(only, () -> { });
        Envelope first = command("job", 1);
        broker.accept("boss", null, first);
        broker.accept("boss", null, command("job", 2));
        broker.accept("boss", null, command("job", 3));
        broker.nack(only, first.id(), true, "again");
        assertEquals(List.of(first.id(), first.id()), recorder.deliveredIds(), "the nacked first job comes before jobs 2 and 3");
    }

    @Test
    void afterMaxAttemptsTheCopyIsADeadLetter() {
        Broker broker = broker(routes(new ServiceRoutes("boss", Set.of("job"), Set.of()),
                new ServiceRoutes("worker", Set.of(), Set.of("job"))), 100);
        Instance only = new Instance("worker", "only", 5, new Recorder());
        broker.register(only, () -> { });
        Envelope job = command("job", 1);
        broker.accept("boss", null, job);
        for (int attempt = 1; attempt <= 3; attempt++) {
            broker.nack(only, job.id(), true, "fails");
        }
        assertEquals(1, broker.store().deadLetters().size());
        assertEquals(3, broker.store().deadLetters().list(null, 10).get(0).delivery().attempts());
        assertEquals(0, broker.dispatcher("worker").inFlight());
    }

    @Test
    void theAckTimeoutSweepRedelivers() throws InterruptedException {
        Broker broker = broker(routes(new ServiceRoutes("boss", Set.of("job"), Set.of()),
                new ServiceRoutes("worker", Set.of(), Set.of("job"))), 100);
        Recorder recorder = new Recorder();
        broker.register(new Instance("worker", "only", 5, recorder), () -> { });
        Envelope job = command("job", 1);
        broker.accept("boss", null, job);
        Thread.sleep(80); // the ack timeout is 50 ms here
        broker.sweep();
        assertEquals(List.of(job.id(), job.id()), recorder.deliveredIds());
        assertTrue(recorder.frames.get(1).contains("\"attempt\":2"), recorder.frames.get(1));
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
    void deduplicationForgetsRejectedIdsAndExpiresOldOnes() {
        Deduplicator dedup = new Deduplicator(1_000, 2);
        assertEquals(0, dedup.rememberOrGetFirst("k1", 11, 0));
        assertEquals(11, dedup.rememberOrGetFirst("k1", 12, 10), "known: the first timestamp");
        dedup.forget("k1", 11);
        assertEquals(0, dedup.rememberOrGetFirst("k1", 13, 20), "forgotten after a rejection");
        dedup.rememberOrGetFirst("k2", 14, 30);
        dedup.rememberOrGetFirst("k3", 15, 40);
        assertTrue(dedup.size() <= 2, "bounded");
        dedup.expire(5_000);
        assertEquals(0, dedup.size(), "expired after the window");
    }

    @Test
    void correlationsExpireOldestFirstWhenTheirWindowPasses() {
        Correlations correlations = new Correlations(1_000, 100);
        AcceptedMessage early = accepted("early", 0);
        AcceptedMessage late = accepted("late", 500);
        correlations.open("worker", early, 0);
        correlations.open("worker", late, 500);
        correlations.expire(1_200);
        assertNull(correlations.find("worker", "early", 1_200));
        assertNotNull(correlations.find("worker", "late", 1_200));
        assertEquals(1, correlations.size());
        correlations.expire(1_600);
        assertEquals(0, correlations.size());
        assertEquals(0, correlations.evicted(), "expiry is not eviction");
    }

    @Test
    void correlationsAreBoundedAndALateReplyToADroppedOneIsRefused() {
        int max = 32;
        Broker broker = new Broker(new BrokerSettings(10_000, Duration.ofMinutes(1), 3, Duration.ofMinutes(1),
                Duration.ofMinutes(1), 10_000, 100, max), () -> JOBS_WITH_REPLIES, new MemoryMessageStore(100),
                BrokerListener.NONE, CODEC);
        broker.register(new Instance("worker", "w", 10_000, new Recorder()), () -> { });
        broker.register(new Instance("boss", "b", 10, new Recorder()), () -> { });
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Envelope job = Envelope.command("job", IntNode.valueOf(i)).withId("job-" + i);
            broker.accept("boss", "b", job);
            ids.add(job.id());
        }
        assertTrue(broker.openCorrelations() <= max, "bounded: " + broker.openCorrelations());
        assertEquals(500 - broker.openCorrelations(), broker.evictedCorrelations());
        ProtocolException refused = assertThrows(ProtocolException.class,
                () -> broker.accept("worker", "w", reply("job.done", ids.get(0))));
        assertEquals(ErrorCode.UNKNOWN_COMMAND, refused.code());
        broker.accept("worker", "w", reply("job.done", ids.get(499))); // the newest is still open
    }

    private static final RoutingPolicy JOBS_WITH_REPLIES = routes(
            new ServiceRoutes("boss", Set.of("job"), Set.of()),
            new ServiceRoutes("worker", Set.of("job.done"), Set.of("job")));

    private static Envelope reply(String name, String commandId) {
        return Envelope.command(name, IntNode.valueOf(0)).withId(UUID.randomUUID().toString())
                .withResponseTo(commandId, true);
    }

    private static AcceptedMessage accepted(String id, long nanos) {
        Envelope envelope = Envelope.command("job", IntNode.valueOf(0)).withId(id).accepted(1, "boss");
        return new AcceptedMessage(envelope, CODEC.encodeEnvelope(envelope), "boss-1", 1, nanos);
    }
}
