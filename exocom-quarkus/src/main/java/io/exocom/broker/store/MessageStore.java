package io.exocom.broker.store;

/**
 * Where accepted messages live until they are settled. Routing and dispatch only talk to this interface, so a
 * durable store (a journal on disk, a database) can replace the in-memory one without touching them.
 */
public interface MessageStore {

    /** The pending queue of one receiving service; called once per service. */
    PendingQueue pendingQueue(String service);

    DeadLetterStore deadLetters();

    /** A few words for the startup line and the views, e.g. "memory (not durable)". */
    String description();
}
