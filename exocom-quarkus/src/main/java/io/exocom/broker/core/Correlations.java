package io.exocom.broker.core;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open correlations between commands and the services that received them (PROTOCOL.md §4.4–4.5): a reply from
 * service S to command C is allowed while the correlation (S, C) is open, and goes back to C's sender.
 * <p>
 * Every delivered command opens one, and a command nobody replies to keeps it for the whole reply window, so at
 * high rates there are millions. Hence: entries are kept in the order they were opened, so that expiring costs
 * only what expires rather than a walk over all of them each second; they are split into stripes with a lock each,
 * so that event loops rarely wait for each other; and their number is bounded, the oldest giving way first (a late
 * reply to one of those is refused {@code unknown-command}, and {@link #evicted()} counts them).
 */
final class Correlations {
    private static final int STRIPE_BITS = 4;
    private static final int STRIPES = 1 << STRIPE_BITS;

    /** Who asked: where replies to one command go. */
    record Asker(String service, String instance, long openedNanos) {
    }

    private final Stripe[] stripes = new Stripe[STRIPES];
    private final long windowNanos;
    private final AtomicLong evicted = new AtomicLong();

    /** @param maxOpen the most correlations kept; the oldest are dropped beyond it */
    Correlations(long windowNanos, int maxOpen) {
        this.windowNanos = windowNanos;
        int perStripe = Math.max(1, maxOpen / STRIPES);
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe(perStripe, evicted);
        }
    }

    private static String key(String receiver, String commandId) {
        return receiver + '\u0000' + commandId;
    }

    /**
     * The stripe comes from the top bits of a mixed hash: the low bits choose the bucket inside a stripe's map, and
     * keys that shared them would crowd a sixteenth of its buckets.
     */
    private Stripe stripe(String key) {
        return stripes[(key.hashCode() * 0x9E3779B9) >>> (32 - STRIPE_BITS)];
    }

    /** Opens the correlation when the first copy of a command reaches {@code receiver}. */
    void open(String receiver, AcceptedMessage command, long nowNanos) {
        String key = key(receiver, command.id());
        stripe(key).putIfAbsent(key, new Asker(command.sender(), command.senderInstance(), nowNanos));
    }

    /** The asker of an open correlation, or null when there is none or its window has passed. */
    Asker find(String receiver, String commandId, long nowNanos) {
        String key = key(receiver, commandId);
        Asker asker = stripe(key).get(key);
        if (asker == null || nowNanos - asker.openedNanos() > windowNanos) {
            return null;
        }
        return asker;
    }

    /** Closes a correlation; false when another final reply closed it first. */
    boolean close(String receiver, String commandId, Asker asker) {
        String key = key(receiver, commandId);
        return stripe(key).remove(key, asker);
    }

    /** Forgets correlations whose reply window has passed. */
    void expire(long nowNanos) {
        for (Stripe stripe : stripes) {
            stripe.expire(nowNanos, windowNanos);
        }
    }

    int size() {
        int size = 0;
        for (Stripe stripe : stripes) {
            size += stripe.size();
        }
        return size;
    }

    /** Correlations dropped before their window ended because the bound was reached, since the start. */
    long evicted() {
        return evicted.get();
    }

    /** One lock's worth of correlations, oldest first. */
    private static final class Stripe {
        private final LinkedHashMap<String, Asker> open;

        Stripe(int max, AtomicLong evicted) {
            this.open = new LinkedHashMap<>(64, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Asker> eldest) {
                    if (size() > max) {
                        evicted.incrementAndGet();
                        return true;
                    }
                    return false;
                }
            };
        }

        synchronized void putIfAbsent(String key, Asker asker) {
            open.putIfAbsent(key, asker);
        }

        synchronized Asker get(String key) {
            return open.get(key);
        }

        synchronized boolean remove(String key, Asker asker) {
            return open.remove(key, asker);
        }

        /** Entries were opened at about increasing times, so the walk stops at the first one still open. */
        synchronized void expire(long nowNanos, long windowNanos) {
            Iterator<Asker> oldestFirst = open.values().iterator();
            while (oldestFirst.hasNext() && nowNanos - oldestFirst.next().openedNanos() > windowNanos) {
                oldestFirst.remove();
            }
        }

        synchronized int size() {
            return open.size();
        }
    }
}
