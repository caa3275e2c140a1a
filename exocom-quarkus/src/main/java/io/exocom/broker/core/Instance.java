package io.exocom.broker.core;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One registered, connected copy of a service. Its in-flight map and its closing flag are guarded by the lock of
 * its service's {@link ServiceDispatcher}.
 */
public final class Instance {
    private final String service;
    private final String id;
    private final int prefetch;
    private final Set<String> receives;
    private final Outbound outbound;
    private final long connectedAtMillis;
    private final Asker.OfInstance asker;
    private final Map<String, Delivery> inFlight = new LinkedHashMap<>();
    private int commandsInFlight;
    private boolean closing;

    /**
     * @param receives the names this instance takes (PROTOCOL.md §3, from 1.1), or null when it takes every name
     *                 its service receives (a 1.0 relay)
     */
    public Instance(String service, String id, int prefetch, Set<String> receives, Outbound outbound) {
        this.service = service;
        this.id = id;
        this.prefetch = prefetch;
        this.receives = receives == null ? null : Set.copyOf(receives);
        this.outbound = outbound;
        this.connectedAtMillis = System.currentTimeMillis();
        this.asker = new Asker.OfInstance(service, id);
    }

    public String service() {
        return service;
    }

    public String id() {
        return id;
    }

    public int prefetch() {
        return prefetch;
    }

    public Outbound outbound() {
        return outbound;
    }

    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    /** Where replies to this instance's commands go; one shared object for all of them. */
    public Asker.OfInstance asker() {
        return asker;
    }

    /** Whether this instance has a handler for commands named {@code name}. */
    boolean takes(String name) {
        return receives == null || receives.contains(name);
    }

    Set<String> receives() {
        return receives;
    }

    boolean isClosing() {
        return closing;
    }

    void markClosing() {
        closing = true;
    }

    /**
     * Whether another command fits into the prefetch. Replies do not count: an instance whose handlers all wait
     * for replies to their own requests must still receive those replies, or it would deadlock.
     */
    boolean hasCapacity() {
        return commandsInFlight < prefetch && !outbound.isBackedUp();
    }

    int inFlightCount() {
        return inFlight.size();
    }

    Collection<Delivery> inFlight() {
        return inFlight.values();
    }

    boolean holds(String deliveredId) {
        return inFlight.containsKey(deliveredId);
    }

    void hold(Delivery delivery) {
        inFlight.put(delivery.deliveredId(), delivery);
        if (!delivery.isReply()) {
            commandsInFlight++;
        }
    }

    Delivery release(String deliveredId) {
        Delivery delivery = inFlight.remove(deliveredId);
        if (delivery != null && !delivery.isReply()) {
            commandsInFlight--;
        }
        return delivery;
    }

    @Override
    public String toString() {
        return service + "/" + id;
    }
}
