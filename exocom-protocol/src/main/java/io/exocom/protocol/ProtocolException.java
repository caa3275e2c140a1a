package io.exocom.protocol;

/**
 * A frame or envelope that breaks PROTOCOL.md, or a send that the broker refuses.
 * The message is a sentence a person can act on; {@link #messageId()} is the id of the
 * send concerned when it could be read, so that a rejection can name it.
 */
public class ProtocolException extends RuntimeException {
    private final ErrorCode code;
    private final String messageId;

    public ProtocolException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public ProtocolException(ErrorCode code, String message, String messageId) {
        super(message, null, false, false);
        this.code = code;
        this.messageId = messageId;
    }

    public ErrorCode code() {
        return code;
    }

    /** The id of the message concerned, or null when none could be read. */
    public String messageId() {
        return messageId;
    }

    public ProtocolException withMessageId(String id) {
        return new ProtocolException(code, getMessage(), id);
    }
}
