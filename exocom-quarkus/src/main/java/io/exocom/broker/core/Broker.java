package io.exocom.broker.core;

import io.exocom.broker.routing.RoutingPolicy;
import io.exocom.broker.store.DeadLetter;
import io.exocom.broker.store.MessageStore;
import io.exocom.broker.store.Recovered;
import io.exocom.broker.wire.Envelopes;
import io.exocom.broker.wire.InboundMessage;
import io.exocom.broker.wire.LogText;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.ProtocolException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The broker's core, free of any transport: accepts messages, routes copies to the receiving services'
 * dispatchers, tracks correlations for replies, de-duplicates, and dead-letters what cannot be delivered.
 * Thread-safe without a global lock: shared tables are striped or concurrent, and each receiving service has its
 * own lock.
 * <p>
 * Acceptance is asynchronous: a send is decided (de-duplication, routes, room in every receiving queue) and handed
 * to the {@link MessageStore}; only once the store says it holds it is the sender told {@code accepted}. A reply's
 * copy, and a command from a sender that did not agree to protocol 1.3 (or that found no room for it in the memory
 * bound), are queued then too. A 1.3 sender's command
 * is queued as soon as the store has it in hand, so that its receivers work while the store syncs (PROTOCOL.md
 * §5.5): its {@code accepted} still waits for the store, and a reply to it, stored behind it, cannot overtake it.
 */
public final class Broker {
    private final BrokerSettings settings;
    private final Supplier<RoutingPolicy> routing;
    private final MessageStore store;
    private final BrokerListener listener;
    private final Map<String, ServiceDispatcher> dispatchers = new ConcurrentHashMap<>();
    private final Correlations correlations;
    private final Deduplicator deduplicator;
    private final MemoryBudget budget;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong deadLetterKeys = new AtomicLong();
    private final AtomicInteger deciding = new AtomicInteger();
    private volatile boolean stopping;

    private final SendRateLimiter sendRates;

    public Broker(BrokerSettings settings, Supplier<RoutingPolicy> routing, MessageStore store, BrokerListener listener) {
        this(settings, routing, store, listener, new SendRateLimiter(0));
    }

    public Broker(BrokerSettings settings, Supplier<RoutingPolicy> routing, MessageStore store, BrokerListener listener,
                  SendRateLimiter sendRates) {
        this.sendRates = sendRates;
        this.settings = settings;
        this.routing = routing;
        this.store = store;
        this.listener = listener;
        this.correlations = new Correlations(settings.replyWindow().toNanos(), settings.maxCorrelations());
        this.deduplicator = new Deduplicator(settings.dedupWindow().toNanos(), settings.dedupMaxEntries());
        this.budget = new MemoryBudget(settings.maxTotalBytes());
    }

    public SendRateLimiter sendRates() {
        return sendRates;
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
                s -> new ServiceDispatcher(s, this, settings.affinityEntries()));
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

    /** The instance shuts down: it gets no more commands, and what it gives back costs no attempt. */
    public void closing(Instance instance) {
        dispatcher(instance.service()).closing(instance);
    }

    public boolean ack(Instance instance, String deliveredId) {
        return dispatcher(instance.service()).ack(instance, deliveredId);
    }

    public boolean nack(Instance instance, String deliveredId, boolean requeue, String reason) {
        return dispatcher(instance.service()).nack(instance, deliveredId, requeue, reason);
    }

    // ------------------------------------------------------------------ sending

    /**
     * Accepts a message from a service, or refuses it; {@code answer} is told which, exactly once, on whatever
     * thread decides (this one, or the store's).
     *
     * @param asker   who sent it: where replies to a command go
     * @param message a validated envelope with an id
     */
    public void accept(String sender, Asker asker, InboundMessage message, Acceptance answer) {
        if (stopping) {
            refused(sender, message, shuttingDown(), answer);
            return;
        }
        long now = System.nanoTime();
        // before de-duplication: a send refused for its rate is not remembered, so sending it again later works
        long wait = sendRates.tryAcquire(sender, now);
        if (wait > 0) {
            long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait));
            refused(sender, message, new ProtocolException(ErrorCode.RATE_LIMITED, "service " + sender + " sends more than "
                    + (long) sendRates.perSecond() + " messages per second (EXOCOM_MAX_SEND_RATE): nothing was accepted; "
                    + "send it again in " + millis + " ms"), answer);
            return;
        }
        Deduplicator.Pending pending = deduplicator.begin(sender, message.id(), answer, now);
        if (pending == null) {
            return; // a known id (answered), or a duplicate of a send being decided (answered with it)
        }
        deciding.incrementAndGet();
        Route route;
        try {
            route = message.isReply() ? routeReply(sender, message, now) : routeCommand(sender, asker, message, now);
        } catch (ProtocolException rejection) {
            deduplicator.fail(pending, rejection);
            deciding.decrementAndGet();
            refused(sender, message, rejection, answer);
            return;
        }
        // While the store writes a message, the message and the store's record of it are both in memory; a copy
        // acked before that no longer counts them. So a route that goes out early keeps room for the two until the
        // store answers, and without that room it waits for the store as an older sender's does: memory stays within
        // EXOCOM_MAX_TOTAL_BYTES either way.
        long inStoresHand = 2 * route.message.size();
        boolean early = !route.message.isReply() && answer.deliversWhileStoring() && budget.tryReserve(inStoresHand);
        // What the store's answer needs of the send: not its payload, which the envelope holds now, and which would
        // otherwise stay in memory (a third copy beside envelope and record) for as long as the journal writes.
        String id = message.id();
        String name = message.name();
        store.append(route.message, route.copies, new MessageStore.Appended() {
            @Override
            public void stored() {
                if (early) {
                    budget.release(inStoresHand);
                }
                route.commit();
                deduplicator.complete(pending, route.message.timestamp(), System.nanoTime());
                listener.accepted(route.message, route.copies.size());
                deciding.decrementAndGet();
                answer.accepted(route.message.timestamp());
            }

            @Override
            public void failed(ProtocolException why) {
                if (early) {
                    budget.release(inStoresHand);
                }
                boolean delivering = !route.abandon();
                deduplicator.fail(pending, why);
                deciding.decrementAndGet();
                refused(sender, id, name, delivering ? mayHaveBeenDelivered(why) : why, answer);
            }
        });
        if (early) {
            route.commit(); // unless the store already refused it, or already holds it
        }
    }

    /** A 1.3 sender's command whose copies were queued before the store failed: they stay, at least once. */
    private static ProtocolException mayHaveBeenDelivered(ProtocolException why) {
        return new ProtocolException(why.code(), why.getMessage() + " (its copies were already queued for their "
                + "receivers and may reach them: a receiver may see it again if it is sent again)");
    }

    private void refused(String sender, InboundMessage message, ProtocolException rejection, Acceptance answer) {
        refused(sender, message.id(), message.name(), rejection, answer);
    }

    private void refused(String sender, String id, String name, ProtocolException rejection, Acceptance answer) {
        ProtocolException named = rejection.messageId() == null ? rejection.withMessageId(id) : rejection;
        listener.rejected(sender, name, named);
        answer.rejected(named);
    }

    /**
     * What accepting one message will do once the store holds it (or, for a 1.3 sender's command, as soon as the store
     * has it in hand), with the room it reserved. Committed or abandoned once, whichever comes first: the store may
     * answer on its own thread while the event loop commits early.
     */
    private final class Route {
        private static final int OPEN = 0, COMMITTED = 1, ABANDONED = 2;
        private final AtomicInteger state = new AtomicInteger(OPEN);
        final AcceptedMessage message;
        final List<Delivery> copies;
        final List<ServiceDispatcher> targets;
        final boolean reservedInQueues;
        final String closedCorrelation;

        Route(AcceptedMessage message, List<Delivery> copies, List<ServiceDispatcher> targets, boolean reservedInQueues,
              String closedCorrelation) {
            this.message = message;
            this.copies = copies;
            this.targets = targets;
            this.reservedInQueues = reservedInQueues;
            this.closedCorrelation = closedCorrelation;
        }

        /** Queues the copies, unless that was done already or the route was abandoned. */
        void commit() {
            if (!state.compareAndSet(OPEN, COMMITTED)) {
                return;
            }
            for (int i = 0; i < copies.size(); i++) {
                Delivery copy = copies.get(i);
                if (copy.replyTo() instanceof Asker.OverHttp http) {
                    targets.get(i).enqueueHttpReply(copy, http);
                } else {
                    targets.get(i).enqueueReserved(copy);
                }
            }
        }

        /** Gives back the reserved room; false when the copies were queued already (they keep it until settled). */
        boolean abandon() {
            if (!state.compareAndSet(OPEN, ABANDONED)) {
                return false;
            }
            for (int i = 0; i < copies.size(); i++) {
                if (reservedInQueues) {
                    targets.get(i).release(copies.get(i).size());
                }
                budget.release(copies.get(i).size());
            }
            if (closedCorrelation != null) { // the final reply was not stored: its command still takes one
                Delivery reply = copies.get(0);
                String askerId = message.responseTo().equals(closedCorrelation) ? null : message.responseTo();
                correlations.open(message.sender(), closedCorrelation, reply.replyTo(), askerId, System.nanoTime());
            }
            return true;
        }
    }

    private Route routeCommand(String sender, Asker asker, InboundMessage message, long now) {
        RoutingPolicy routes = routing.get();
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
        long timestamp = wallClockNanos();
        String originId = message.originId() != null ? message.originId() : message.id();
        byte[] envelope = Envelopes.stamp(message, message.id(), timestamp, originId, null, sender);
        AcceptedMessage accepted = new AcceptedMessage(sequence.incrementAndGet(), sender, asker, message.id(), name,
                originId, null, null, true, timestamp, now, envelope);
        long size = accepted.size();
        if (!budget.tryReserve(size * receivers.size())) {
            throw memoryFull(sender, name);
        }
        List<ServiceDispatcher> targets = new ArrayList<>(receivers.size());
        List<Delivery> copies = new ArrayList<>(receivers.size());
        for (String receiver : receivers) {
            ServiceDispatcher target = dispatcher(receiver);
            String full = target.reserve(size, settings.maxQueueDepth(), settings.maxQueueBytes());
            if (full != null) {
                targets.forEach(reserved -> reserved.release(size));
                budget.release(size * receivers.size());
                throw queueFull(receiver, sender, name, full);
            }
            targets.add(target);
            copies.add(new Delivery(accepted, receiver, null));
        }
        return new Route(accepted, copies, targets, true, null);
    }

    private Route routeReply(String sender, InboundMessage reply, long now) {
        String commandId = reply.responseTo();
        Correlations.Open open = correlations.find(sender, commandId, now);
        if (open == null) {
            throw unknownCommand(sender, reply.name(), commandId);
        }
        if (!routing.get().maySend(sender, reply.name())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "service " + sender + " may not send the reply "
                    + reply.name() + ": add " + reply.name() + " to the sends of " + sender + " in the routes");
        }
        Asker asker = open.asker();
        long timestamp = wallClockNanos();
        String originId = reply.originId() != null ? reply.originId() : reply.id();
        byte[] envelope = Envelopes.stamp(reply, reply.id(), timestamp, originId, open.askerId(), sender);
        AcceptedMessage accepted = new AcceptedMessage(sequence.incrementAndGet(), sender, null, reply.id(),
                reply.name(), originId, open.askerId(), commandId, reply.isFinal(), timestamp, now, envelope);
        long size = accepted.size();
        ServiceDispatcher target = dispatcher(asker.service());
        if (!budget.tryReserve(size)) {
            throw memoryFull(sender, reply.name());
        }
        boolean queued = asker instanceof Asker.OfInstance; // replies to HTTP never wait in a queue
        if (queued) {
            String full = target.reserve(size, settings.maxQueueDepth(), settings.maxQueueBytes());
            if (full != null) {
                budget.release(size);
                throw queueFull(asker.service(), sender, reply.name(), full);
            }
        }
        if (reply.isFinal() && !correlations.close(sender, commandId)) {
            if (queued) {
                target.release(size);
            }
            budget.release(size);
            throw unknownCommand(sender, reply.name(), commandId);
        }
        return new Route(accepted, List.of(new Delivery(accepted, asker.service(), asker)), List.of(target), queued,
                reply.isFinal() ? commandId : null);
    }

    private static ProtocolException unknownCommand(String sender, String name, String commandId) {
        return new ProtocolException(ErrorCode.UNKNOWN_COMMAND, "service " + sender + " replied " + name
                + " to command " + LogText.quote(commandId) + ", which was never delivered to " + sender
                + " or whose correlation has ended (final reply sent, or reply window passed)");
    }

    private static ProtocolException queueFull(String receiver, String sender, String name, String bound) {
        return new ProtocolException(ErrorCode.QUEUE_FULL, "the queue of service " + receiver + " is full (" + bound
                + "), so " + name + " from " + sender + " was not accepted: start more instances of " + receiver
                + " or retry later");
    }

    private ProtocolException memoryFull(String sender, String name) {
        return new ProtocolException(ErrorCode.QUEUE_FULL, "ExoCom holds as many messages as its memory bound allows ("
                + budget.limit() + " bytes, EXOCOM_MAX_TOTAL_BYTES), so " + name + " from " + sender
                + " was not accepted: retry later, when receivers have caught up");
    }

    private static ProtocolException shuttingDown() {
        return new ProtocolException(ErrorCode.SHUTTING_DOWN, "ExoCom is shutting down and accepts nothing more: "
                + "send it again to the broker that takes over (relays do so by themselves)");
    }

    // ------------------------------------------------------------------ settling

    /** A copy's journey ended (acked, or handed to an HTTP request): it no longer counts against the budget. */
    void settled(Delivery copy) {
        budget.release(copy.size());
        store.settled(copy);
    }

    void replyDropped(Delivery reply, String reason) {
        listener.replyDropped(reply, reason);
        settled(reply);
    }

    void deadLetter(Delivery delivery, String reason) {
        budget.release(delivery.size()); // dead letters have a bound of their own
        DeadLetter letter = new DeadLetter(nextDeadLetterKey(), delivery, reason, System.currentTimeMillis());
        List<DeadLetter> evicted = store.deadLetters().add(letter);
        store.deadLettered(letter);
        listener.deadLettered(letter);
        for (DeadLetter dropped : evicted) {
            store.settled(dropped.delivery());
            listener.deadLetterEvicted(dropped);
        }
    }

    /** Dead-letter keys go on from the highest one recovered, so a key never means two letters. */
    private String nextDeadLetterKey() {
        return "dl-" + deadLetterKeys.incrementAndGet();
    }

    /** Discards a dead letter for good; false when there is none with that key. */
    public boolean discard(String key) {
        Optional<DeadLetter> letter = store.deadLetters().remove(key);
        letter.ifPresent(removed -> store.settled(removed.delivery()));
        return letter.isPresent();
    }

    /** Outcome of a replay request. */
    public enum ReplayResult { REPLAYED, NOT_FOUND, QUEUE_FULL }

    /** Puts a dead letter back into its service's queue, with attempts counted afresh. */
    public ReplayResult replay(String key) {
        Optional<DeadLetter> letter = store.deadLetters().remove(key);
        if (letter.isEmpty()) {
            return ReplayResult.NOT_FOUND;
        }
        Delivery delivery = letter.get().delivery().replay();
        if (!budget.tryReserve(delivery.size())) {
            store.deadLetters().add(letter.get());
            return ReplayResult.QUEUE_FULL;
        }
        store.replayed(letter.get(), delivery);
        if (dispatcher(delivery.service()).enqueueReplay(delivery, settings.maxQueueDepth(), settings.maxQueueBytes()) != null) {
            budget.release(delivery.size());
            store.deadLetters().add(letter.get());
            store.deadLettered(letter.get());
            return ReplayResult.QUEUE_FULL;
        }
        return ReplayResult.REPLAYED;
    }

    // ------------------------------------------------------------------ recovery

    /**
     * Takes up what the store recovered, before any instance connects: ids and correlations within their windows
     * (mapped from wall-clock time to this process's clock), dead letters, and every copy that still waits, in
     * acceptance order.
     */
    public void restore(Recovered recovered) {
        long nowNanos = System.nanoTime();
        long nowWall = wallClockNanos();
        sequence.set(Math.max(sequence.get(), recovered.lastSequence()));
        for (Recovered.Id id : recovered.ids()) {
            deduplicator.restore(new Key128(id.hi(), id.lo()), id.timestamp(), nowNanos - (nowWall - id.rememberedWallNanos()));
        }
        for (Recovered.Correlation open : recovered.correlations()) {
            correlations.restore(new Key128(open.hi(), open.lo()), open.asker(), open.askerId(),
                    nowNanos - (nowWall - open.openedWallNanos()));
        }
        long highestKey = 0;
        for (Recovered.Message message : recovered.messages()) {
            for (Recovered.Copy copy : message.copies()) {
                Delivery delivery = copy.delivery();
                if (copy.dead() != null) {
                    store.deadLetters().add(new DeadLetter(copy.dead().key(), delivery, copy.dead().reason(),
                            copy.dead().diedAtMillis()));
                    highestKey = Math.max(highestKey, keyNumber(copy.dead().key()));
                } else if (delivery.replyTo() instanceof Asker.OverHttp) {
                    store.settled(delivery); // the request that waited for it is gone with the broker
                } else {
                    budget.forceReserve(delivery.size());
                    dispatcher(delivery.service()).restore(delivery);
                }
            }
        }
        deadLetterKeys.set(Math.max(deadLetterKeys.get(), highestKey));
    }

    private static long keyNumber(String key) {
        try {
            return key.startsWith("dl-") ? Long.parseLong(key.substring(3)) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The ids and correlations in memory, for a store that keeps them across restarts (wall-clock times). */
    public void snapshotWindows(java.util.function.Consumer<Recovered.Id> ids,
                                java.util.function.Consumer<Recovered.Correlation> open) {
        long nowNanos = System.nanoTime();
        long nowWall = wallClockNanos();
        deduplicator.forEach((hi, lo, time, timestamp, reference) ->
                ids.accept(new Recovered.Id(hi, lo, timestamp, nowWall - (nowNanos - time))));
        correlations.forEach(snapshot -> open.accept(new Recovered.Correlation(snapshot.hi(), snapshot.lo(),
                snapshot.asker(), snapshot.askerId(), nowWall - (nowNanos - snapshot.openedNanos()))));
    }

    /** The ids and correlations as a store's window source. */
    public io.exocom.broker.store.journal.JournalMessageStore.WindowSource windowSource() {
        return new io.exocom.broker.store.journal.JournalMessageStore.WindowSource() {
            @Override
            public void snapshot(java.util.function.Consumer<Recovered.Id> ids,
                                 java.util.function.Consumer<Recovered.Correlation> open) {
                snapshotWindows(ids, open);
            }

            @Override
            public long entries() {
                return (long) deduplicator.size() + correlations.size();
            }
        };
    }

    public BrokerSettings settingsView() {
        return settings;
    }

    // ------------------------------------------------------------------ stopping

    /** From now on every send is refused {@code shutting-down}. */
    public void stopAccepting() {
        stopping = true;
    }

    public boolean isStopping() {
        return stopping;
    }

    /** Waits until every send begun before {@link #stopAccepting()} was answered; false when time ran out. */
    public boolean awaitAnswered(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (deciding.get() > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
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

    /** Bytes of copies queued or in flight, and of early commands the store still writes, against the bound. */
    public long heldBytes() {
        return budget.used();
    }

    private static long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
