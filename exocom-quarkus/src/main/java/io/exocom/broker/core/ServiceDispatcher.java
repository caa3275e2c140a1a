package io.exocom.broker.core;

import io.exocom.broker.wire.Envelopes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything about one receiving service: its registered instances, its queue and what each instance holds in
 * flight. One lock per service, so services never wait for each other; every method is synchronized and none
 * blocks (writes to instances are queued by their {@link Outbound}).
 */
public final class ServiceDispatcher {
    private final String service;
    private final Broker broker;
    private final ServiceQueue queue = new ServiceQueue();
    private final List<Instance> instances = new ArrayList<>();
    private final Map<String, Instance> instancesById = new HashMap<>();
    private final Map<String, String> affinity;
    private int roundRobin;
    private int reservedCopies;
    private long reservedBytes;

    ServiceDispatcher(String service, Broker broker, int affinityEntries) {
        this.service = service;
        this.broker = broker;
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
        instance.outbound().whenDrained(this::resume);
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

    /** A connection that was backed up drained: what waited for it can go now. */
    synchronized void resume() {
        drain();
    }

    /** The instance shuts down (PROTOCOL.md §3 {@code closing}): no more commands for it. */
    synchronized void closing(Instance instance) {
        instance.markClosing();
        drain();
    }

    private void detach(Instance instance, String reason) {
        instances.remove(instance);
        instancesById.remove(instance.id());
        List<Delivery> held = new ArrayList<>(instance.inFlight());
        for (Delivery delivery : held) {
            instance.release(delivery.deliveredId());
            if (instance.isClosing()) {
                delivery.uncountAttempt(); // a closing instance gives back what it could not finish
            }
            fail(delivery, reason, true);
        }
    }

    // ------------------------------------------------------------ queueing

    /**
     * Reserves room for one copy of {@code bytes}, so that a multi-receiver send can be refused whole (PROTOCOL.md
     * §4.3).
     *
     * @return null when reserved, else which bound it would pass, in words
     */
    synchronized String reserve(long bytes, int maxDepth, long maxBytes) {
        if (queue.size() + reservedCopies >= maxDepth) {
            return maxDepth + " waiting messages";
        }
        if (queue.bytes() + reservedBytes + bytes > maxBytes) {
            return maxBytes + " bytes of waiting messages";
        }
        reservedCopies++;
        reservedBytes += bytes;
        return null;
    }

    synchronized void release(long bytes) {
        reservedCopies--;
        reservedBytes -= bytes;
    }

    /** Queues a copy for which room was reserved, and hands out what can go now. */
    synchronized void enqueueReserved(Delivery delivery) {
        reservedCopies--;
        reservedBytes -= delivery.size();
        queue.add(delivery);
        drain();
    }

    /**
     * A reply to a command that came over HTTP (PROTOCOL.md §4.4): to the request waiting for it, else to a
     * registered instance of the service, else dropped. It never waits in the queue.
     */
    synchronized void enqueueHttpReply(Delivery reply, Asker.OverHttp asker) {
        if (asker.waiter() != null && asker.waiter().offer(reply.message())) {
            broker.settled(reply);
            return;
        }
        if (instances.isEmpty()) {
            broker.replyDropped(reply, "its command came over HTTP and no request waits for it and no instance of "
                    + service + " is registered");
            return;
        }
        queue.add(reply);
        drain();
    }

    /** Takes up a copy the store recovered after a restart: it waits for an instance again. */
    synchronized void restore(Delivery copy) {
        queue.requeue(copy);
        drain();
    }

    /** Queues a replayed dead letter if there is room; null when queued, else which bound it would pass. */
    synchronized String enqueueReplay(Delivery delivery, int maxDepth, long maxBytes) {
        String full = reserve(delivery.size(), maxDepth, maxBytes);
        if (full != null) {
            return full;
        }
        enqueueReserved(delivery);
        return null;
    }

    // ------------------------------------------------------------ acks

    /** @return false when the instance holds no delivery with this id (e.g. it was already redelivered) */
    synchronized boolean ack(Instance instance, String deliveredId) {
        Delivery delivery = instance.release(deliveredId);
        if (delivery == null) {
            return false;
        }
        delivery.released();
        broker.settled(delivery);
        drain();
        return true;
    }

    synchronized boolean nack(Instance instance, String deliveredId, boolean requeue, String reason) {
        Delivery delivery = instance.release(deliveredId);
        if (delivery == null) {
            return false;
        }
        if (requeue && instance.isClosing()) {
            delivery.uncountAttempt(); // given back by an instance that shuts down: not a failed attempt
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
                    instance.release(delivery.deliveredId());
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
            broker.deadLetter(delivery, why);
        } else {
            queue.requeue(delivery);
        }
    }

    // ------------------------------------------------------------ dispatch

    /**
     * Hands waiting copies to instances: replies to their asker (or any instance), commands as prefetch and the
     * instances' declared names allow, oldest first.
     */
    private void drain() {
        if (instances.isEmpty()) {
            return;
        }
        queue.pollReplies(reply -> {
            Instance target = replyTarget(reply);
            if (target.outbound().isBackedUp()) {
                return false; // it waits here, not in a connection buffer that does not drain
            }
            deliver(reply, target);
            return true;
        });
        while (queue.hasCommands()) {
            ArrayDeque<Delivery> chosenQueue = null;
            Instance chosenTarget = null;
            long oldest = Long.MAX_VALUE;
            for (ArrayDeque<Delivery> byName : queue.commandQueues()) {
                Delivery head = byName.peekFirst();
                if (head.message().sequence() >= oldest) {
                    continue;
                }
                Instance target = commandTarget(head);
                if (target != null) {
                    chosenQueue = byName;
                    chosenTarget = target;
                    oldest = head.message().sequence();
                }
            }
            if (chosenTarget == null) {
                return; // nothing that waits can go anywhere now
            }
            Delivery command = queue.pollCommand(chosenQueue);
            advanceRoundRobin(chosenTarget);
            deliver(command, chosenTarget);
        }
    }

    /** A reply goes to the instance that asked while it is registered, else to any instance of its service. */
    private Instance replyTarget(Delivery reply) {
        if (reply.replyTo() instanceof Asker.OfInstance asker) {
            Instance instance = instancesById.get(asker.instance());
            if (instance != null && !instance.id().equals(reply.lastInstance())) {
                return instance;
            }
        }
        Instance open = nextInstance(reply.lastInstance(), null, false);
        return open != null ? open : nextInstance(reply.lastInstance(), null, true);
    }

    /**
     * PROTOCOL.md §4.2: an instance that takes the name, is not closing and has free prefetch; for a redelivery one
     * other than the last; else the instance that most recently handled the same activity; else round-robin.
     * Null when none can take it now.
     */
    private Instance commandTarget(Delivery command) {
        if (command.lastInstance() == null) {
            String affine = affinity.get(command.message().originId());
            Instance instance = affine == null ? null : instancesById.get(affine);
            if (instance != null && canTake(instance, command)) {
                return instance;
            }
        }
        return nextInstance(command.lastInstance(), command, false);
    }

    private static boolean canTake(Instance instance, Delivery command) {
        return !instance.isClosing() && instance.hasCapacity() && instance.takes(command.message().name())
                && (command.deliveredId() == null || !instance.holds(command.deliveredId()));
    }

    /**
     * Round-robin over the instances, avoiding {@code avoid} unless it is the only choice.
     *
     * @param command     the command to place (capacity, names and closing count), or null for a reply
     * @param evenClosing for a reply: whether a closing instance will do
     */
    private Instance nextInstance(String avoid, Delivery command, boolean evenClosing) {
        int count = instances.size();
        Instance fallback = null;
        for (int i = 0; i < count; i++) {
            Instance candidate = instances.get((roundRobin + i) % count);
            if (command != null ? !canTake(candidate, command) : (candidate.isClosing() && !evenClosing)) {
                continue;
            }
            if (candidate.id().equals(avoid)) {
                fallback = candidate;
                continue;
            }
            return candidate;
        }
        return fallback;
    }

    private void advanceRoundRobin(Instance chosen) {
        int index = instances.indexOf(chosen);
        if (index >= 0) {
            roundRobin = index + 1;
        }
    }

    private void deliver(Delivery delivery, Instance instance) {
        long now = System.nanoTime();
        AcceptedMessage message = delivery.message();
        // a command's first delivery under its sender's id opens its correlation while checking that id is free
        boolean opened = delivery.deliveredId() == null && assignDeliveredId(delivery, instance, now);
        delivery.deliveredTo(instance, now);
        instance.hold(delivery);
        broker.store().delivered(delivery);
        if (!delivery.isReply()) {
            affinity.put(message.originId(), instance.id());
            if (!opened) {
                String askerId = delivery.deliveredId().equals(message.id()) ? null : message.id();
                broker.correlations().open(service, delivery.deliveredId(), message.asker(), askerId, now);
            }
        }
        instance.outbound().deliver(delivery.envelope(), delivery.attempts());
        broker.listener().delivered(delivery, instance);
    }

    /**
     * A command is delivered under its sender's id, unless that id is still open at this service for another
     * command (another sender used it): then under an id of its own (PROTOCOL.md §2), so that its acks and
     * replies cannot be taken for the other one's.
     *
     * @return true when the command keeps its sender's id, whose correlation is then open already
     */
    private boolean assignDeliveredId(Delivery command, Instance instance, long now) {
        AcceptedMessage message = command.message();
        String id = message.id();
        if (!instance.holds(id) && broker.correlations().openIfFree(service, id, message.asker(), now)) {
            command.assignDeliveredId(id, null);
            return true;
        }
        String own = id + "~" + message.sender();
        if (own.length() > io.exocom.protocol.Limits.MAX_ID_LENGTH || isTaken(own, instance, now)) {
            own = "~" + message.sender() + "~" + message.sequence();
        }
        command.assignDeliveredId(own, Envelopes.withId(message.envelope(), own));
        broker.listener().idRewritten(command, id);
        return false;
    }

    private boolean isTaken(String id, Instance instance, long now) {
        return instance.holds(id) || broker.correlations().find(service, id, now) != null;
    }

    // ------------------------------------------------------------ views

    /** A consistent picture of this service for the HTTP views and metrics. */
    public record Snapshot(String service, int queued, long queuedBytes, int inFlight, List<InstanceView> instances) {
    }

    public record InstanceView(String id, int prefetch, int inFlight, long connectedAtMillis, boolean closing,
                               List<String> receives) {
    }

    public synchronized Snapshot snapshot() {
        List<InstanceView> views = new ArrayList<>(instances.size());
        int inFlight = 0;
        for (Instance instance : instances) {
            List<String> receives = instance.receives() == null ? null : instance.receives().stream().sorted().toList();
            views.add(new InstanceView(instance.id(), instance.prefetch(), instance.inFlightCount(),
                    instance.connectedAtMillis(), instance.isClosing(), receives));
            inFlight += instance.inFlightCount();
        }
        return new Snapshot(service, queue.size(), queue.bytes(), inFlight, views);
    }

    /** The registered instance with this id, or null; for tests of the core. */
    synchronized Instance instanceForTest(String id) {
        return instancesById.get(id);
    }

    public synchronized int queued() {
        return queue.size();
    }

    public synchronized long queuedBytes() {
        return queue.bytes();
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
        return queue.snapshot(max);
    }
}
