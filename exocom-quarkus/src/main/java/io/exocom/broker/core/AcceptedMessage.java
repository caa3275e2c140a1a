package io.exocom.broker.core;

/**
 * A message as ExoCom accepted it: stamped, validated and written as the JSON envelope every delivery carries,
 * exactly once, so that every copy and every delivery attempt shares the same bytes.
 */
public final class AcceptedMessage {
    /** What a message costs beyond its envelope, for the memory bounds: this object, its copy, queue slots. */
    static final int OVERHEAD_BYTES = 200;

    private final long sequence;
    private final String sender;
    private final Asker asker;
    private final String id;
    private final String name;
    private final String originId;
    private final String responseTo;
    private final String repliedKey;
    private final boolean isFinal;
    private final long timestamp;
    private final long acceptedNanos;
    private final byte[] envelope;
    /** Where the store keeps it (the journal's position), or -1; set once it is stored. */
    private volatile long storePosition = -1;

    /**
     * @param sequence      acceptance order across the broker, used to keep each queue in that order
     * @param asker         for a command, who asked (where its replies go); null for a reply
     * @param id            the sender's id
     * @param responseTo    for a reply, the id of the command replied to as its asker knows it; null for a command
     * @param repliedKey    for a reply, the id of that command as the replying service got it (it differs when
     *                      the command was delivered under an id of its own); null for a command
     * @param acceptedNanos {@link System#nanoTime()} at acceptance, for the acceptance-to-delivery histogram
     * @param envelope      the stamped envelope as JSON bytes
     */
    public AcceptedMessage(long sequence, String sender, Asker asker, String id, String name, String originId,
                           String responseTo, String repliedKey, boolean isFinal, long timestamp, long acceptedNanos,
                           byte[] envelope) {
        this.sequence = sequence;
        this.sender = sender;
        this.asker = asker;
        this.id = id;
        this.name = name;
        this.originId = originId;
        this.responseTo = responseTo;
        this.repliedKey = repliedKey;
        this.isFinal = isFinal;
        this.timestamp = timestamp;
        this.acceptedNanos = acceptedNanos;
        this.envelope = envelope;
    }

    public long sequence() {
        return sequence;
    }

    public String sender() {
        return sender;
    }

    public Asker asker() {
        return asker;
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public String originId() {
        return originId;
    }

    public String responseTo() {
        return responseTo;
    }

    public String repliedKey() {
        return repliedKey;
    }

    public boolean isReply() {
        return responseTo != null;
    }

    public boolean isFinal() {
        return isFinal;
    }

    public long timestamp() {
        return timestamp;
    }

    public long acceptedNanos() {
        return acceptedNanos;
    }

    /** The stamped envelope, JSON as UTF-8. Never modify it: every copy shares it. */
    public byte[] envelope() {
        return envelope;
    }

    public long storePosition() {
        return storePosition;
    }

    public void storedAt(long position) {
        this.storePosition = position;
    }

    /** What one copy of this message counts against the memory bounds. */
    public long size() {
        return envelope.length + OVERHEAD_BYTES;
    }
}
