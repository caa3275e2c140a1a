package io.exocom.protocol;

import java.util.List;

/**
 * The WebSocket frames of PROTOCOL.md §3. Each text frame carries one of these as a JSON object
 * whose {@code type} field names it; {@link FrameCodec} reads and writes them.
 */
public sealed interface Frame {

    /** The wire value of the frame's {@code type} field. */
    String type();

    // ---- relay -> ExoCom ----

    /**
     * Relay to ExoCom: the first frame of every connection.
     *
     * @param receives the names the relay has handlers for; null to leave the field out (a 1.0 relay may)
     * @param protocol the highest protocol version the relay speaks, e.g. "1.1"; null for 1.0
     */
    record Register(String service, String instance, String token, Integer prefetch, List<String> receives,
                    String protocol) implements Frame {
        public Register {
            receives = receives == null ? null : List.copyOf(receives);
        }

        /** A 1.0-style register frame. */
        public Register(String service, String instance, String token, Integer prefetch, List<String> receives) {
            this(service, instance, token, prefetch, receives == null ? List.of() : receives, null);
        }

        public String type() {
            return "register";
        }
    }

    /** Relay to ExoCom: send a command, event or reply. */
    record Send(Envelope message) implements Frame {
        public String type() {
            return "send";
        }
    }

    /** Relay to ExoCom: a delivered message was handled. */
    record Ack(String id) implements Frame {
        public String type() {
            return "ack";
        }
    }

    /** Relay to ExoCom (1.1): this instance shuts down; deliver it no more commands. */
    record Closing() implements Frame {
        public String type() {
            return "closing";
        }
    }

    /** Relay to ExoCom: handling a delivered message failed. */
    record Nack(String id, boolean requeue, String reason) implements Frame {
        public String type() {
            return "nack";
        }
    }

    // ---- ExoCom -> relay ----

    /**
     * ExoCom to relay: the registration succeeded; these are the service's routes.
     *
     * @param protocol     the version ExoCom speaks on this connection ("1.0" from a broker that does not say)
     * @param maxFrameSize ExoCom's frame size limit in bytes, or 0 when it did not say
     */
    record Registered(String service, String instance, List<String> sends, List<String> receives, String protocol,
                      int maxFrameSize) implements Frame {
        public Registered {
            sends = List.copyOf(sends);
            receives = List.copyOf(receives);
            protocol = protocol == null ? "1.0" : protocol;
        }

        public Registered(String service, String instance, List<String> sends, List<String> receives) {
            this(service, instance, sends, receives, null, 0);
        }

        public String type() {
            return "registered";
        }
    }

    /** ExoCom to relay: the send with this id was accepted at this time (unix nanoseconds). */
    record Accepted(String id, long timestamp) implements Frame {
        public String type() {
            return "accepted";
        }
    }

    /** ExoCom to relay: the send with this id was refused. */
    record Rejected(String id, ErrorCode code, String message) implements Frame {
        public String type() {
            return "rejected";
        }
    }

    /** ExoCom to relay: a message for this instance to handle; attempt counts from 1. */
    record Deliver(Envelope message, int attempt) implements Frame {
        public String type() {
            return "deliver";
        }
    }

    /** ExoCom to relay: a frame could not be understood or a registration failed. */
    record Error(ErrorCode code, String message) implements Frame {
        public String type() {
            return "error";
        }
    }
}
