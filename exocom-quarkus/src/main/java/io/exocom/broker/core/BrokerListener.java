package io.exocom.broker.core;

import io.exocom.broker.store.DeadLetter;
import io.exocom.protocol.ProtocolException;

/**
 * What the broker tells observers: metrics and the traffic log. Called on the hot path, often under a service's
 * lock: implementations must be quick and must not call back into the broker.
 */
public interface BrokerListener {

    void accepted(AcceptedMessage message, int copies);

    void rejected(String service, String name, ProtocolException rejection);

    /** A copy went to an instance; {@code delivery.attempts()} says which attempt. */
    void delivered(Delivery delivery, Instance instance);

    void deadLettered(DeadLetter deadLetter);

    /** A dead letter was pushed out by a newer one because the store is full. */
    void deadLetterEvicted(DeadLetter deadLetter);

    /** A reply that had nowhere to go (its command came over HTTP and nobody waits for it). */
    void replyDropped(Delivery reply, String reason);

    /** A command is delivered under an id of its own, since its sender's id was open at the receiver for another. */
    void idRewritten(Delivery copy, String senderId);

    BrokerListener NONE = new BrokerListener() {
        public void accepted(AcceptedMessage message, int copies) {
        }

        public void rejected(String service, String name, ProtocolException rejection) {
        }

        public void delivered(Delivery delivery, Instance instance) {
        }

        public void deadLettered(DeadLetter deadLetter) {
        }

        public void deadLetterEvicted(DeadLetter deadLetter) {
        }

        public void replyDropped(Delivery reply, String reason) {
        }

        public void idRewritten(Delivery copy, String senderId) {
        }
    };
}
