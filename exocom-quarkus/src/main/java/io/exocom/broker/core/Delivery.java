package io.exocom.broker.core;

/**
 * One copy of an accepted message on its way to one receiving service, from the moment it is queued until the
 * receiving instance acks it or it becomes a dead letter. Mutable state is guarded by the lock of the
 * {@link ServiceDispatcher} of {@link #service()}.
 */
public final class Delivery {
    private final AcceptedMessage message;
    private final String service;
    private final String pinnedInstance;
    private int attempts;
    private Instance holder;
    private String lastInstance;
    private long deliveredNanos;

    /**
     * @param pinnedInstance for replies, the instance that sent the command replied to: the reply goes there
     *                       while that instance is registered. Null for commands.
     */
    public Delivery(AcceptedMessage message, String service, String pinnedInstance) {
        this.message = message;
        this.service = service;
        this.pinnedInstance = pinnedInstance;
    }

    public AcceptedMessage message() {
        return message;
    }

    public String id() {
        return message.id();
    }

    public String service() {
        return service;
    }

    public boolean isReply() {
        return message.isReply();
    }

    public String pinnedInstance() {
        return pinnedInstance;
    }

    /** Deliveries made so far; the attempt number of the current one when in flight. */
    public int attempts() {
        return attempts;
    }

    /** The instance holding this copy unacknowledged, or null when it waits in a queue. */
    public Instance holder() {
        return holder;
    }

    /** The instance of the previous attempt, which a redelivery avoids when it can. */
    public String lastInstance() {
        return lastInstance;
    }

    public long deliveredNanos() {
        return deliveredNanos;
    }

    void deliveredTo(Instance instance, long nowNanos) {
        attempts++;
        holder = instance;
        lastInstance = instance.id();
        deliveredNanos = nowNanos;
    }

    void released() {
        holder = null;
    }

    /** A replayed dead letter starts counting attempts afresh. */
    public Delivery replay() {
        return new Delivery(message, service, null);
    }
}
