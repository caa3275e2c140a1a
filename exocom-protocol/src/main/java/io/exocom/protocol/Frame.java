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

    /** Relay to ExoCom: the first frame of every connection. */
    record Register(String service, String instance, String token, Integer prefetch, List<String> receives)
            implements Frame {
        public Register {
            receives = receives == null ? List.of() : List.copyOf(receives);
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

    /** Relay to ExoCom: handling a delivered message failed. */
    record Nack(String id, boolean requeue, String reason) implements Frame {
        public String type() {
            return "nack";
        }
    }

    // ---- ExoCom -> relay ----

    /** ExoCom to relay: the registration succeeded; these are the service's routes. */
    record Registered(String service, String instance, List<String> sends, List<String> receives) implements Frame {
        public Registered {
            sends = List.copyOf(sends);
            receives = List.copyOf(receives);
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
