package io.exocom.relay;

import io.exocom.protocol.Limits;

import java.util.UUID;

/** Builds the messages a relay sends: a fresh id, the name checked, the payload left as the caller's object. */
final class Envelopes {
    private Envelopes() {
    }

    static FrameWriter.Outgoing command(String name, Object payload, String originId) {
        if (!Limits.isValidName(name)) {
            throw new IllegalArgumentException("\"" + name + "\" is not a valid message name: use 1-"
                    + Limits.MAX_NAME_LENGTH + " characters without control characters, like \"todos.create\"");
        }
        return new FrameWriter.Outgoing(UUID.randomUUID().toString(), name, payload, originId, null, true);
    }

    static FrameWriter.Outgoing reply(String outcome, Object payload, Message to, boolean last) {
        FrameWriter.Outgoing reply = command(outcome, payload, to.originId());
        return new FrameWriter.Outgoing(reply.id(), outcome, payload, reply.originId(), to.id(), last);
    }
}
