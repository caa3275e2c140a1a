package io.exocom.protocol;

/**
 * The rejection and error codes of PROTOCOL.md §3, with the HTTP status that §7 gives each of them.
 */
public enum ErrorCode {
    INVALID("invalid", 400),
    TOO_LARGE("too-large", 413),
    NOT_REGISTERED("not-registered", 400),
    UNAUTHENTICATED("unauthenticated", 401),
    UNKNOWN_SERVICE("unknown-service", 403),
    FORBIDDEN("forbidden", 403),
    NO_RECEIVERS("no-receivers", 404),
    /** §7 names no status for it: 409, the reply conflicts with the state of its command's correlation. */
    UNKNOWN_COMMAND("unknown-command", 409),
    QUEUE_FULL("queue-full", 503),
    /** 1.1: ExoCom is stopping; relays send the message again to the next broker. */
    SHUTTING_DOWN("shutting-down", 503),
    /**
     * 1.2: the broker cannot store messages now (a full disk, an I/O error); nothing was accepted. 1.3: to a 1.3
     * sender, copies of a command may already have been delivered (PROTOCOL.md §5.5).
     */
    STORAGE_UNAVAILABLE("storage-unavailable", 503),
    /**
     * Proposed for 1.2: the sending service sent more messages per second than the broker allows it
     * (EXOCOM_MAX_SEND_RATE); nothing was accepted, and the sentence says how long to wait before sending again.
     */
    RATE_LIMITED("rate-limited", 429),
    /** A code this side does not know, from a newer version of the other side: minor versions only add codes. */
    OTHER("other", 500);

    private final String wire;
    private final int httpStatus;

    ErrorCode(String wire, int httpStatus) {
        this.wire = wire;
        this.httpStatus = httpStatus;
    }

    /** The code as it appears on the wire, e.g. {@code queue-full}. */
    public String wire() {
        return wire;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public static ErrorCode fromWire(String wire) {
        for (ErrorCode code : values()) {
            if (code.wire.equals(wire)) {
                return code;
            }
        }
        throw new IllegalArgumentException("unknown error code: " + wire);
    }

    /** The code of this wire value, or {@link #OTHER} for one this side does not know. */
    public static ErrorCode fromWireOrOther(String wire) {
        for (ErrorCode code : values()) {
            if (code.wire.equals(wire)) {
                return code;
            }
        }
        return OTHER;
    }

    @Override
    public String toString() {
        return wire;
    }
}
