package io.exocom.broker.core;

import io.exocom.broker.routing.RoutingPolicy;
import io.exocom.broker.store.DeadLetter;
import io.exocom.broker.store.MessageStore;
import io.exocom.protocol.Envelope;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.FrameCodec;
import io.exocom.protocol.ProtocolException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The broker's core, free of any transport: accepts messages, routes copies to the receiving services'
 * dispatchers, tracks correlations for replies, de-duplicates, and dead-letters what cannot be delivered.
 * Thread-safe without a global lock: shared maps are concurrent, and each receiving service has its own lock.
 */
public final class Broker {
    private final BrokerSettings settings;
    private final Supplier<RoutingPolicy> routing;
    private final MessageStore store;
    private final BrokerListener listener;
    private final FrameCodec codec;
    private final Map<String, ServiceDispatcher> dispatchers = new ConcurrentHashMap<>();
    private final Correlations correlations;
    private final Deduplicator deduplicator;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong deadLetterKeys = new AtomicLong();

    public Broker(BrokerSettings settings, Supplier<RoutingPolicy> routing, MessageStore store, BrokerListener listener,
                  FrameCodec codec) {
        this.settings = settings;
        this.routing = routing;
        this.store = store;
        this.listener = listener;
        this.codec = codec;
        this.correlations = new Correlations(settings.replyWindow().toNanos(), settings.maxCorrelations());
        this.deduplicator = new Deduplicator(settings.dedupWindow().toNanos(), settings.dedupMaxEntries());
    }

    BrokerSettings settings() {
        return settings;
    }

    BrokerListener listener() {
        return listener;
    }

    Correlations correlations() {
        return correlations;
    }

    public MessageStore store() {
        return store;
    }

    public RoutingPolicy routing() {
        return routing.get();
    }

    /** The dispatcher of a receiving service, created on first use. */
    public ServiceDispatcher dispatcher(String service) {
        ServiceDispatcher dispatcher = dispatchers.get(service);
        return dispatcher != null ? dispatcher : dispatchers.computeIfAbsent(service,
                s -> new ServiceDispatcher(s, this, store.pendingQueue(s), settings.affinityEntries()));
    }

    public Collection<ServiceDispatcher> dispatchers() {
        return dispatchers.values();
    }

    // ------------------------------------------------------------------ instances

    /**
     * Registers an instance; {@code announce} runs before anything is delivered to it. Registration checks
     * (token, known service) are the caller's, since they decide how the connection is closed.
     *
     * @return an older connection of the same instance that this one replaces, or null
     */
    public Instance register(Instance instance, Runnable announce) {
        return dispatcher(instance.service()).register(instance, announce);
    }

    /** @return false when the instance was no longer registered (a newer connection replaced it) */
    public boolean unregister(Instance instance) {
        return dispatcher(instance.service()).unregister(instance);
    }

    public boolean ack(Instance instance, String messageId) {
        return dispatcher(instance.service()).ack(instance, messageId);
    }

    public boolean nack(Instance instance, String messageId, boolean requeue, String reason) {
        return dispatcher(instance.service()).nack(instance, messageId, requeue, reason);
    }

    // ------------------------------------------------------------------ sending

    /**
     * Accepts a message from a service, or refuses it with a {@link ProtocolException} whose code and sentence go
     * back to the sender.
     *
     * @param senderInstance the sending instance, or null when the message came over HTTP
     * @param envelope       a validated envelope with an id
     * @return the acceptance timestamp in unix nanoseconds (the first one for a repeated id)
     */
    public long accept(String sender, String senderInstance, Envelope envelope) {
        try {
            return acceptOrThrow(sender, senderInstance, envelope);
        } catch (ProtocolException rejection) {
            listener.rejected(sender, envelope.name(), rejection);
            throw rejection.messageId() == null ? rejection.withMessageId(envelope.id()) : rejection;
        }
    }

    private long acceptOrThrow(String sender, String senderInstance, Envelope envelope) {
        long now = System.nanoTime();
        long timestamp = wallClockNanos();
        String dedupKey = Deduplicator.key(sender, envelope.id());
        long first = deduplicator.rememberOrGetFirst(dedupKey, timestamp, now);
        if (first != 0) {
            return first;
        }
        try {
            Envelope accepted = envelope.accepted(timestamp, sender);
            AcceptedMessage message = new AcceptedMessage(accepted, codec.encodeEnvelope(accepted), senderInstance,
                    sequence.incrementAndGet(), now);
            if (envelope.isReply()) {
                routeReply(message, now);
            } else {
                routeCommand(message);
            }
            return timestamp;
        } catch (ProtocolException rejection) {
            deduplicator.forget(dedupKey, timestamp);
            throw rejection;
        }
    }

    private void routeCommand(AcceptedMessage message) {
        RoutingPolicy routes = routing.get();
        String sender = message.sender();
        String name = message.name();
        if (!routes.maySend(sender, name)) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "service " + sender + " may not send " + name
                    + ": add " + name + " to the sends of " + sender + " in the routes");
        }
        List<String> receivers = routes.receiversOf(name);
        if (receivers.isEmpty()) {
            throw new ProtocolException(ErrorCode.NO_RECEIVERS, "no service receives " + name + " sent by " + sender
                    + ": add " + name + " to the receives of the service that handles it");
        }
        List<ServiceDispatcher> targets = new ArrayList<>(receivers.size());
        for (String receiver : receivers) {
            ServiceDispatcher target = dispatcher(receiver);
            if (!target.reserve(settings.maxQueueDepth())) {
                targets.forEach(ServiceDispatcher::release);
                throw queueFull(receiver, sender, name);
            }
            targets.add(target);
        }
        listener.accepted(message, targets.size());
        for (ServiceDispatcher target : targets) {
            target.enqueueReserved(new Delivery(message, target.service(), null));
        }
    }

    private void routeReply(AcceptedMessage reply, long now) {
        String sender = reply.sender();
        String commandId = reply.envelope().responseTo();
        Correlations.Asker asker = correlations.find(sender, commandId, now);
        if (asker == null) {
            throw unknownCommand(sender, reply.name(), commandId);
        }
        if (!routing.get().maySend(sender, reply.name())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "service " + sender + " may not send the reply "
                    + reply.name() + ": add " + reply.name() + " to the sends of " + sender + " in the routes");
        }
        ServiceDispatcher target = dispatcher(asker.service());
        if (!target.reserve(settings.maxQueueDepth())) {
            throw queueFull(asker.service(), sender, reply.name());
        }
        if (reply.envelope().isFinal() && !correlations.close(sender, commandId, asker)) {
            target.release();
            throw unknownCommand(sender, reply.name(), commandId);
        }
        listener.accepted(reply, 1);
        target.enqueueReserved(new Delivery(reply, asker.service(), asker.instance()));
    }

    private static ProtocolException unknownCommand(String sender, String name, String commandId) {
        return new ProtocolException(ErrorCode.UNKNOWN_COMMAND, "service " + sender + " replied " + name
                + " to command " + commandId + ", which was never delivered to " + sender
                + " or whose correlation has ended (final reply sent, or reply window passed)");
    }

    private static ProtocolException queueFull(String receiver, String sender, String name) {
        return new ProtocolException(ErrorCode.QUEUE_FULL, "the queue of service " + receiver + " is full, so "
                + name + " from " + sender + " was not accepted: start more instances of " + receiver
                + " or retry later");
    }

    // ------------------------------------------------------------------ dead letters

    void deadLetter(Delivery delivery, String reason) {
        DeadLetter letter = new DeadLetter("dl-" + deadLetterKeys.incrementAndGet(), delivery, reason,
                System.currentTimeMillis());
        Optional<DeadLetter> evicted = store.deadLetters().add(letter);
        listener.deadLettered(letter);
        evicted.ifPresent(listener::deadLetterEvicted);
    }

    /** Outcome of a replay request. */
    public enum ReplayResult { REPLAYED, NOT_FOUND, QUEUE_FULL }

    /** Puts a dead letter back into its service's queue, with attempts counted afresh. */
    public ReplayResult replay(String key) {
        Optional<DeadLetter> letter = store.deadLetters().remove(key);
        if (letter.isEmpty()) {
            return ReplayResult.NOT_FOUND;
        }
        Delivery delivery = letter.get().delivery();
        if (!dispatcher(delivery.service()).enqueueReplay(delivery.replay(), settings.maxQueueDepth())) {
            store.deadLetters().add(letter.get());
            return ReplayResult.QUEUE_FULL;
        }
        return ReplayResult.REPLAYED;
    }

    // ------------------------------------------------------------------ housekeeping

    /** Redelivers what was not acked in time and forgets expired correlations and ids. Call about once a second. */
    public void sweep() {
        long now = System.nanoTime();
        long ackTimeout = settings.ackTimeout().toNanos();
        for (ServiceDispatcher dispatcher : dispatchers.values()) {
            dispatcher.expireUnacked(now, ackTimeout);
        }
        correlations.expire(now);
        deduplicator.expire(now);
    }

    public int openCorrelations() {
        return correlations.size();
    }

    /** Correlations dropped before their reply window ended because {@code maxCorrelations} was reached. */
    public long evictedCorrelations() {
        return correlations.evicted();
    }

    public int rememberedIds() {
        return deduplicator.size();
    }

    private static long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
