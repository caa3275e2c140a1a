package io.exocom.broker.wire;

import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.ProtocolException;

/**
 * A frame that could not be decoded, with what could be read of it before the problem: its {@code type} and, for a
 * send, the message id. A send must get exactly one answer (PROTOCOL.md §3), so a broken send with a readable id is
 * answered {@code rejected}, not {@code error}.
 */
public final class FrameProblem extends ProtocolException {
    private final String frameType;

    public FrameProblem(ErrorCode code, String message, String frameType, String messageId) {
        super(code, message, messageId);
        this.frameType = frameType;
    }

    /** The frame's {@code type} when it was read before the problem, else null. */
    public String frameType() {
        return frameType;
    }

    public boolean isSend() {
        return "send".equals(frameType);
    }
}
