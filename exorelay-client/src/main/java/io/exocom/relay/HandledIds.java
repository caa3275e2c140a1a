package io.exocom.relay;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of the most recently handled messages, so that a redelivery of one of them (ExoCom did not see the ack
 * before a connection dropped, or its ack timeout passed) is acknowledged without running the handler again.
 * Bounded: the oldest ids are forgotten first.
 */
final class HandledIds {
    private final int capacity;
    private final Map<String, Boolean> ids;

    HandledIds(int capacity) {
        this.capacity = capacity;
        this.ids = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > HandledIds.this.capacity;
            }
        };
    }

    synchronized void add(String id) {
        if (capacity > 0) {
            ids.put(id, Boolean.TRUE);
        }
    }

    synchronized boolean contains(String id) {
        return ids.containsKey(id);
    }

    synchronized int size() {
        return ids.size();
    }
}
