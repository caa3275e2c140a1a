package io.exocom.broker.store;

import io.exocom.broker.core.Delivery;

/**
 * A copy that could not be delivered: its receiving service failed it the maximum number of times, or nacked it
 * without requeue. Kept until replayed or discarded over HTTP (PROTOCOL.md §5.2).
 *
 * @param key         the dead letter's own id (a message may die in several services)
 * @param delivery    the copy, with the attempts it had
 * @param reason      why it died, in words
 * @param diedAtMillis wall-clock time it died
 */
public record DeadLetter(String key, Delivery delivery, String reason, long diedAtMillis) {
}
