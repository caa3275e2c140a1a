package io.exocom.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import io.exocom.protocol.Envelope;
import io.exocom.protocol.Limits;

import java.util.UUID;

/** Builds the envelopes a relay sends. */
final class Envelopes {
    private Envelopes() {
    }

    static Envelope command(String name, Object payload, String originId, ObjectMapper mapper) {
        if (!Limits.isValidName(name)) {
            throw new IllegalArgumentException("\"" + name + "\" is not a valid message name: use 1-"
                    + Limits.MAX_NAME_LENGTH + " characters without control characters, like \"todos.create\"");
        }
        return Envelope.command(name, toJson(payload, mapper))
                .withId(UUID.randomUUID().toString())
                .withOriginId(originId);
    }

    static Envelope reply(String outcome, Object payload, Message to, boolean last, ObjectMapper mapper) {
        return command(outcome, payload, to.originId(), mapper).withResponseTo(to.id(), last);
    }

    static JsonNode toJson(Object payload, ObjectMapper mapper) {
        if (payload == null) {
            return NullNode.getInstance();
        }
        if (payload instanceof JsonNode node) {
            return node;
        }
        return mapper.valueToTree(payload);
    }
}
