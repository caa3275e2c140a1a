package io.exocom.broker.store;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.Asker;

import java.util.List;

/**
 * What a store held when the broker last stopped, for the broker to take up again: the messages that still have
 * copies to deliver (or kept as dead letters), the ids and correlations still within their windows, and a
 * sentence for the startup line. Times are wall-clock unix nanoseconds; the broker maps them to its own clock.
 */
public record Recovered(List<Message> messages, List<Id> ids, List<Correlation> correlations, long lastSequence,
                        String summary) {

    public static Recovered nothing(String summary) {
        return new Recovered(List.of(), List.of(), List.of(), 0, summary);
    }

    /** A message and those of its copies that were not settled. */
    public record Message(AcceptedMessage message, long acceptedWallNanos, List<Copy> copies) {
    }

    /**
     * @param delivery the copy, with its attempts so far and the id it was delivered under
     * @param dead     when it is a dead letter: its key, reason and time; else null
     */
    public record Copy(io.exocom.broker.core.Delivery delivery, DeadLetterInfo dead) {
    }

    public record DeadLetterInfo(String key, String reason, long diedAtMillis) {
    }

    /** A remembered id, as the fingerprint of its sender and id. */
    public record Id(long hi, long lo, long timestamp, long rememberedWallNanos) {
    }

    /** An open correlation, as the fingerprint of its receiver and delivered id. */
    public record Correlation(long hi, long lo, Asker asker, String askerId, long openedWallNanos) {
    }
}
