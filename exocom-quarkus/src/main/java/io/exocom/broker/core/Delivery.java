package io.exocom.broker.core;

/**
 * One copy of an accepted message on its way to one receiving service, from the moment it is queued until the
 * receiving instance acks it or it becomes a dead letter. Mutable state is guarded by the lock of the
 * {@link ServiceDispatcher} of {@link #service()}.
 */
public final class Delivery {
    private final AcceptedMessage message;
    private final String service;
    private final Asker replyTo;
    private String deliveredId;
    private byte[] envelope;
    private int attempts;
    private Instance holder;
    private String lastInstance;
    private long deliveredNanos;

    /**
     * @param replyTo for a reply, the asker it goes to (an instance, while that one is registered, or an HTTP
     *                request); null for a command
     */
    public Delivery(AcceptedMessage message, String service, Asker replyTo) {
        this.message = message;
        this.service = service;
        this.replyTo = replyTo;
        if (message.isReply()) {
            this.deliveredId = message.id();
            this.envelope = message.envelope();
        }
    }

    public AcceptedMessage message() {
        return message;
    }

    public String service() {
        return service;
    }

    public boolean isReply() {
        return message.isReply();
    }

    public Asker replyTo() {
        return replyTo;
    }

    /**
     * The id this copy is delivered under: the sender's, unless another sender's command with the same id was open
     * at this service when it was first delivered (PROTOCOL.md §2). Null for a command not yet delivered.
     */
    public String deliveredId() {
        return deliveredId;
    }

    /** The envelope as delivered; the message's own unless its id was rewritten. */
    public byte[] envelope() {
        return envelope != null ? envelope : message.envelope();
    }

    /** The id to find this copy by: its delivered id, or the sender's before the first delivery. */
    public String idForViews() {
        return deliveredId != null ? deliveredId : message.id();
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

    public long size() {
        return message.size();
    }

    void assignDeliveredId(String id, byte[] rewrittenEnvelope) {
        deliveredId = id;
        envelope = rewrittenEnvelope;
    }

    void deliveredTo(Instance instance, long nowNanos) {
        attempts++;
        holder = instance;
        lastInstance = instance.id();
        deliveredNanos = nowNanos;
    }

    /** The attempt ended without counting: a closing instance gave the copy back (PROTOCOL.md §5.2). */
    void uncountAttempt() {
        attempts--;
    }

    void released() {
        holder = null;
    }

    /**
     * A copy as the store recovered it after a restart: its attempts so far and the id it was delivered under
     * (null when never delivered). It waits in its queue again; an instance that held it is gone with the broker.
     */
    public static Delivery recovered(AcceptedMessage message, String service, Asker replyTo, int attempts,
                                     String deliveredId) {
        Delivery copy = new Delivery(message, service, replyTo);
        copy.attempts = attempts;
        if (deliveredId != null && !message.isReply()) {
            copy.deliveredId = deliveredId;
            copy.envelope = deliveredId.equals(message.id()) ? null
                    : io.exocom.broker.wire.Envelopes.withId(message.envelope(), deliveredId);
        }
        return copy;
    }

    /** A replayed dead letter starts counting attempts afresh, under the id it had. */
    public Delivery replay() {
        Delivery copy = new Delivery(message, service, replyTo);
        copy.deliveredId = deliveredId;
        copy.envelope = envelope;
        return copy;
    }
}
