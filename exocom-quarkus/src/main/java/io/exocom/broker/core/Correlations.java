package io.exocom.broker.core;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Open correlations between commands and the services that received them (PROTOCOL.md §4.4–4.5): a reply from
 * service S to command C is allowed while the correlation (S, C) is open, and goes back to C's sender.
 */
final class Correlations {

    /** Who asked: where replies to one command go. */
    record Asker(String service, String instance, long openedNanos) {
    }

    private final Map<String, Asker> open = new ConcurrentHashMap<>();
    private final long windowNanos;

    Correlations(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    private static String key(String receiver, String commandId) {
        return receiver + '\u0000' + commandId;
    }

    /** Opens the correlation when the first copy of a command reaches {@code receiver}. */
    void open(String receiver, AcceptedMessage command, long nowNanos) {
        open.putIfAbsent(key(receiver, command.id()), new Asker(command.sender(), command.senderInstance(), nowNanos));
    }

    /** The asker of an open correlation, or null when there is none or its window has passed. */
    Asker find(String receiver, String commandId, long nowNanos) {
        Asker asker = open.get(key(receiver, commandId));
        if (asker == null || nowNanos - asker.openedNanos() > windowNanos) {
            return null;
        }
        return asker;
    }

    /** Closes a correlation; false when another final reply closed it first. */
    boolean close(String receiver, String commandId, Asker asker) {
        return open.remove(key(receiver, commandId), asker);
    }

    void expire(long nowNanos) {
        Iterator<Asker> askers = open.values().iterator();
        while (askers.hasNext()) {
            if (nowNanos - askers.next().openedNanos() > windowNanos) {
                askers.remove();
            }
        }
    }

    int size() {
        return open.size();
    }
}
