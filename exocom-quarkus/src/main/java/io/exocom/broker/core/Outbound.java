package io.exocom.broker.core;

/**
 * Where the broker writes frames for one connected instance. Implementations must not block: the broker calls
 * them while holding a service's lock, on whatever thread handled the triggering frame.
 */
public interface Outbound {

    /** Queues one frame (JSON as UTF-8) for the instance; frames written from one thread arrive in order. */
    void send(byte[] frame);

    /** Queues a deliver frame around an envelope that many deliveries share, without copying it. */
    void deliver(byte[] envelope, int attempt);

    /** Closes the connection with a WebSocket close code and reason, after the frames queued before. */
    void close(int code, String reason);

    /**
     * Whether as much waits to be written to this connection as should: the broker then gives it nothing more
     * (commands and replies wait in their queue instead of in the connection's buffer) until it drains.
     */
    boolean isBackedUp();

    /** Runs {@code resume} each time the connection drained after {@link #isBackedUp()} said it was backed up. */
    void whenDrained(Runnable resume);
}
