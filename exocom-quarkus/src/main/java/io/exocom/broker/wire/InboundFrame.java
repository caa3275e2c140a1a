package io.exocom.broker.wire;

import java.util.List;

/** A frame a relay sent, as the broker's decoder read it (PROTOCOL.md §3, relay → ExoCom). */
public sealed interface InboundFrame {

    /**
     * @param receives the names the instance declared, or null when the frame had no {@code receives} field
     * @param protocol the version the relay speaks ({@code 1.0} when it did not say)
     */
    record Register(String service, String instance, String token, Integer prefetch, List<String> receives,
                    ProtocolVersion protocol) implements InboundFrame {
    }

    record Send(InboundMessage message) implements InboundFrame {
    }

    /** @param ids the acked ids: one ({@code id}), or several in a batched ack (1.2, {@code ids}) */
    record Ack(List<String> ids) implements InboundFrame {
    }

    record Nack(String id, boolean requeue, String reason) implements InboundFrame {
    }

    /** 1.1: the instance shuts down and takes no more commands. */
    record Closing() implements InboundFrame {
    }
}
