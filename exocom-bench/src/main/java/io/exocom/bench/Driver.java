package io.exocom.bench;

/**
 * One way of talking to one broker: ExoCom over the raw protocol, ExoCom through the Java ExoRelay, or NATS through
 * its Java client. The scenarios drive every driver through the same two shapes.
 */
interface Driver {

    /** Name in the table, e.g. {@code exocom-raw}. */
    String label();

    /** The broker this driver talks to: its CPU time is part of every traffic result. */
    ServerProcess server();

    /** Opens {@code responders} responder instances that answer every request with {@code payload}, and a requester. */
    RequestReply openRequestReply(int responders, String payload) throws Exception;

    /** Opens one sender and {@code receivers} receiving services, each of which gets every message. */
    FanOut openFanOut(int receivers, String payload) throws Exception;

    /** A requester: sends one request and runs {@code onReply} (on some client thread) when its reply arrived. */
    interface RequestReply extends AutoCloseable {
        void request(Runnable onReply) throws Exception;

        @Override
        void close();
    }

    /** A sender and its receivers. */
    interface FanOut extends AutoCloseable {
        /** Sends one message to all receivers (without waiting for more than the transport needs). */
        void send() throws Exception;

        /** Messages each receiver has got so far (and acked, where the system acks). */
        long[] received();

        @Override
        void close();
    }
}
