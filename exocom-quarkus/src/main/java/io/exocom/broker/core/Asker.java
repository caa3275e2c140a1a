package io.exocom.broker.core;

/**
 * Who sent a command, and so where its replies go (PROTOCOL.md §4.4): an instance connected over the WebSocket, or
 * an HTTP request. Kept with every open correlation, so each is one small shared object, not a copy per command.
 */
public sealed interface Asker permits Asker.OfInstance, Asker.OverHttp {

    /** The service that asked. */
    String service();

    /** An instance of a service: replies go to it while it is registered, else to another instance of its service. */
    record OfInstance(String service, String instance) implements Asker {
    }

    /**
     * A command sent with {@code POST /messages}: its replies go to the request that waits for them, if any; else to
     * a registered instance of the service; else nowhere (they never fill a queue nobody reads).
     */
    final class OverHttp implements Asker {
        private final String service;
        private final ReplyWaiter waiter;

        public OverHttp(String service, ReplyWaiter waiter) {
            this.service = service;
            this.waiter = waiter;
        }

        @Override
        public String service() {
            return service;
        }

        /** The request waiting for the replies, or null when the sender did not wait. */
        public ReplyWaiter waiter() {
            return waiter;
        }
    }

    /** An HTTP request waiting for the replies to its command. */
    interface ReplyWaiter {
        /** @return false when the request no longer waits (it timed out or was answered): the reply goes elsewhere */
        boolean offer(AcceptedMessage reply);
    }
}
