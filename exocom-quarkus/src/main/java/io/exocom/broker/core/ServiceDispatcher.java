package io.exocom.broker.core;

import io.exocom.broker.store.PendingQueue;
import io.exocom.protocol.FrameCodec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything about one receiving service: its registered instances, its pending queue and what each instance
 * holds in flight. One lock per service, so services never wait for each other; every method is synchronized and
 * none blocks (writes to instances are queued by their {@link Outbound}).
 */
public final class ServiceDispatcher {
    private final String service;
    private final Broker broker;
    private final PendingQueue pending;
    private final List<Instance> instances = new ArrayList<>();
    private final Map<String, Instance> instancesById = new HashMap<>();
    private final Map<String, String> affinity;
    private int roundRobin;
    private int reservations;

    ServiceDispatcher(String service, Broker broker, PendingQueue pending, int affinityEntries) {
        this.service = service;
        this.broker = broker;
        this.pending = pending;
        this.affinity = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
                return size() > affinityEntries;
            }
        };
    }

    public String service() {
        return service;
    }

    // ------------------------------------------------------------ instances

    /**
     * Adds an instance, first replacing one with the same id (a relay that reconnected before its old connection
     * was noticed as dead), then runs {@code announce} (which sends the {@code registered} frame, so that it
     * precedes every delivery) and hands out what waits.
     *
     * @return the replaced instance, whose connection the caller closes; or null
     */
    synchronized Instance register(Instance instance, Runnable announce) {
        Instance replaced = instancesById.get(instance.id());
        if (replaced != null) {
            detach(replaced, "replaced by a new connection of the same instance");
        }
        instances.add(instance);
        instancesById.put(instance.id(), instance);
        announce.run();
        drain();
        return replaced;
    }

    /** The instance disconnected: everything it held is delivered again, preferably elsewhere. */
    synchronized boolean unregister(Instance instance) {
        if (instancesById.get(instance.id()) != instance) {
            return false; // already replaced by a newer connection of the same instance
        }
        detach(instance, "instance " + instance.id() + " disconnected before acking");
        drain();
        return true;
    }

    private void detach(Instance instance, String reason) {
        instances.remove(instance);
        instancesById.remove(instance.id());
        List<Delivery> held = new ArrayList<>(instance.inFlight());
        for (Delivery delivery : held) {
            instance.release(delivery.id());
            fail(delivery, reason, true);
        }
    }

    // ------------------------------------------------------------ queueing

    /** Reserves room for one copy, so that a multi-receiver send can be refused whole (PROTOCOL.md §4.3). */
    synchronized boolean reserve(int maxDepth) {
        if (pending.size() + reservations >= maxDepth) {
            return false;
        }
        reservations++;
        return true;
    }

    synchronized void release() {
        reservations--;
    }

    /** Queues a copy for which room was reserved, and hands out what can go now. */
    synchronized void enqueueReserved(Delivery delivery) {
        reservations--;
        pending.add(delivery);
        drain();
    }

    /** Queues a replayed dead letter if there is room. */
    synchronized boolean enqueueReplay(Delivery delivery, int maxDepth) {
        if (pending.size() + reservations >= maxDepth) {
            return false;
        }
        pending.add(delivery);
        drain();
        return true;
    }

    // ------------------------------------------------------------ acks

    /** @return false when the instance holds no delivery with this id (e.g. it was already redelivered) */
    synchronized boolean ack(Instance instance, String messageId) {
        Delivery delivery = instance.release(messageId);
        if (delivery == null) {
            return false;
        }
        delivery.released();
        pending.settled(delivery);
        drain();
        return true;
    }

    synchronized boolean nack(Instance instance, String messageId, boolean requeue, String reason) {
        Delivery delivery = instance.release(messageId);
        if (delivery == null) {
            return false;
        }
        String why = "nacked by " + instance.id() + (reason == null || reason.isBlank() ? "" : ": " + reason);
        fail(delivery, why, requeue);
        drain();
        return true;
    }

    /** Takes back deliveries that were not acked within the ack timeout. */
    synchronized void expireUnacked(long nowNanos, long ackTimeoutNanos) {
        boolean any = false;
        for (Instance instance : instances) {
            List<Delivery> late = null;
            for (Delivery delivery : instance.inFlight()) {
                if (nowNanos - delivery.deliveredNanos() > ackTimeoutNanos) {
                    if (late == null) {
                        late = new ArrayList<>();
                    }
                    late.add(delivery);
                }
            }
            if (late != null) {
                for (Delivery delivery : late) {
                    instance.release(delivery.id());
                    fail(delivery, "not acked by " + instance.id() + " within the ack timeout", true);
                }
                any = true;
            }
        }
        if (any) {
            drain();
        }
    }

    /** A failed attempt: deliver again, or dead-letter when told so or out of attempts. */
    private void fail(Delivery delivery, String reason, boolean requeue) {
        delivery.released();
        if (!requeue || delivery.attempts() >= broker.settings().maxAttempts()) {
            String why = requeue ? reason + "; gave up after " + delivery.attempts() + " attempts" : reason;
            pending.settled(delivery);
            broker.deadLetter(delivery, why);
        } else {
            pending.requeue(delivery);
        }
    }

    // ------------------------------------------------------------ dispatch

    /** Hands waiting copies to instances: replies to any registered instance, commands as prefetch allows. */
    private void drain() {
        if (instances.isEmpty()) {
            return;
        }
        Delivery reply;
        while ((reply = pending.pollReply()) != null) {
            deliver(reply, replyTarget(reply));
        }
        Delivery command;
        while ((command = pending.peekCommand()) != null) {
            Instance target = commandTarget(command);
            if (target == null) {
                return;
            }
            pending.pollCommand();
            deliver(command, target);
        }
    }

    /** A reply goes to the instance that asked while it is registered, else to any instance of its service. */
    private Instance replyTarget(Delivery reply) {
        Instance asker = reply.pinnedInstance() == null ? null : instancesById.get(reply.pinnedInstance());
        if (asker != null && !asker.id().equals(reply.lastInstance())) {
            return asker;
        }
        return nextInstance(reply.lastInstance(), false);
    }

    /**
     * PROTOCOL.md §4.2: an instance with free prefetch; for a redelivery one other than the last; else the
     * instance that most recently handled the same activity; else round-robin.
     */
    private Instance commandTarget(Delivery command) {
        if (command.lastInstance() == null) {
            String affine = affinity.get(command.message().envelope().originId());
            Instance instance = affine == null ? null : instancesById.get(affine);
            if (instance != null && instance.hasCapacity() && !instance.holds(command.id())) {
                return instance;
            }
        }
        return nextInstance(command.lastInstance(), true);
    }

    /** Round-robin over the instances, avoiding {@code avoid} unless it is the only choice. */
    private Instance nextInstance(String avoid, boolean needCapacity) {
        int count = instances.size();
        Instance fallback = null;
        for (int i = 0; i < count; i++) {
            int index = (roundRobin + i) % count;
            Instance candidate = instances.get(index);
            if (needCapacity && !candidate.hasCapacity()) {
                continue;
            }
            if (candidate.id().equals(avoid)) {
                fallback = candidate;
                continue;
            }
            roundRobin = index + 1;
            return candidate;
        }
        return fallback;
    }

    private void deliver(Delivery delivery, Instance instance) {
        long now = System.nanoTime();
        delivery.deliveredTo(instance, now);
        instance.hold(delivery);
        AcceptedMessage message = delivery.message();
        if (!delivery.isReply()) {
            affinity.put(message.envelope().originId(), instance.id());
            broker.correlations().open(service, message, now);
        }
        instance.outbound().send(FrameCodec.deliverFrame(message.json(), delivery.attempts()));
        broker.listener().delivered(delivery, instance);
    }

    // ------------------------------------------------------------ views

    /** A consistent picture of this service for the HTTP views and metrics. */
    public record Snapshot(String service, int queued, int inFlight, List<InstanceView> instances) {
    }

    public record InstanceView(String id, int prefetch, int inFlight, long connectedAtMillis) {
    }

    public synchronized Snapshot snapshot() {
        List<InstanceView> views = new ArrayList<>(instances.size());
        int inFlight = 0;
        for (Instance instance : instances) {
            views.add(new InstanceView(instance.id(), instance.prefetch(), instance.inFlightCount(), instance.connectedAtMillis()));
            inFlight += instance.inFlightCount();
        }
        return new Snapshot(service, pending.size(), inFlight, views);
    }

    /** The registered instance with this id, or null; for tests of the core. */
    synchronized Instance instanceForTest(String id) {
        return instancesById.get(id);
    }

    public synchronized int queued() {
        return pending.size();
    }

    public synchronized int inFlight() {
        int inFlight = 0;
        for (Instance instance : instances) {
            inFlight += instance.inFlightCount();
        }
        return inFlight;
    }

    public synchronized int instanceCount() {
        return instances.size();
    }

    public synchronized List<Delivery> waiting(int max) {
        return pending.snapshot(max);
    }
}
