package io.exocom.relay;

import io.exocom.protocol.ErrorCode;

/**
 * ExoCom refused a message (a {@code rejected} frame), or refused this relay's registration (an {@code error}
 * frame). {@link #code()} is ExoCom's code, {@link #getMessage()} its sentence, which names the service and
 * message concerned.
 */
public class ExoComRejectedException extends ExoRelayException {
    private final ErrorCode code;
    private final String messageId;

    /**
     * @param code      ExoCom's code
     * @param sentence  ExoCom's sentence, naming the service and message involved
     * @param messageId the id of the refused message, or null
     */
    public ExoComRejectedException(ErrorCode code, String sentence, String messageId) {
        super(sentence == null ? "ExoCom rejected the message: " + code : sentence);
        this.code = code;
        this.messageId = messageId;
    }

    /** ExoCom's code, e.g. {@link ErrorCode#FORBIDDEN} or {@link ErrorCode#NO_RECEIVERS}. */
    public ErrorCode code() {
        return code;
    }

    /** The id of the message that was refused; null for a refused registration. */
    public String messageId() {
        return messageId;
    }
}
