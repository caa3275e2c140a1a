package io.exocom.broker.core;

/**
 * Where the broker writes frames for one connected instance. Implementations must not block: the broker calls
 * them while holding a service's lock, on whatever thread handled the triggering frame.
 */
public interface Outbound {

    /** Queues one text frame for the instance; frames written from one thread arrive in order. */
    void send(String frame);

    /** Closes the connection with a WebSocket close code and reason. */
    void close(int code, String reason);
}
