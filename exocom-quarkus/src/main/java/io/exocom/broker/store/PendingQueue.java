package io.exocom.broker.store;

import io.exocom.broker.core.Delivery;

import java.util.List;

/**
 * The copies that wait for one receiving service, in acceptance order (PROTOCOL.md §5.4). Every method is
 * called under that service's lock, so implementations need no locking of their own.
 *
 * <p>Replies are kept apart from commands because they never wait for prefetch: a reply goes out as soon as any
 * instance of its service is registered, while commands leave strictly in order as capacity frees up.
 */
public interface PendingQueue {

    /** A newly accepted copy. */
    void add(Delivery delivery);

    /** A copy coming back after a failed attempt; it takes its place by acceptance order again. */
    void requeue(Delivery delivery);

    /** The next waiting reply, removed, or null. */
    Delivery pollReply();

    /** The oldest waiting command, or null. */
    Delivery peekCommand();

    /** Removes and returns the oldest waiting command, or null. */
    Delivery pollCommand();

    /** Waiting copies, commands and replies. */
    int size();

    /**
     * The copy's journey ended: its receiver acked it, or it became a dead letter. A durable store forgets it
     * here; the in-memory store has nothing left to do.
     */
    void settled(Delivery delivery);

    /** Up to {@code max} waiting copies in order, for the HTTP views. */
    List<Delivery> snapshot(int max);
}
