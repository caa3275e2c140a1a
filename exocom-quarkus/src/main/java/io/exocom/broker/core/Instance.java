package io.exocom.broker.core;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One registered, connected copy of a service. Its in-flight map is guarded by the lock of its service's
 * {@link ServiceDispatcher}.
 */
public final class Instance {
    private final String service;
    private final String id;
    private final int prefetch;
    private final Outbound outbound;
    private final long connectedAtMillis;
    private final Map<String, Delivery> inFlight = new LinkedHashMap<>();
    private int commandsInFlight;

    public Instance(String service, String id, int prefetch, Outbound outbound) {
        this.service = service;
        this.id = id;
        this.prefetch = prefetch;
        this.outbound = outbound;
        this.connectedAtMillis = System.currentTimeMillis();
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

    /**
     * Whether another command fits into the prefetch. Replies do not count: an instance whose handlers all wait
     * for replies to their own requests must still receive those replies, or it would deadlock.
     */
    boolean hasCapacity() {
        return commandsInFlight < prefetch;
    }

    int inFlightCount() {
        return inFlight.size();
    }

    Collection<Delivery> inFlight() {
        return inFlight.values();
    }

    boolean holds(String messageId) {
        return inFlight.containsKey(messageId);
    }

    void hold(Delivery delivery) {
        inFlight.put(delivery.id(), delivery);
        if (!delivery.isReply()) {
            commandsInFlight++;
        }
    }

    Delivery release(String messageId) {
        Delivery delivery = inFlight.remove(messageId);
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
