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
    QUEUE_FULL("queue-full", 503);

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

    @Override
    public String toString() {
        return wire;
    }
}
