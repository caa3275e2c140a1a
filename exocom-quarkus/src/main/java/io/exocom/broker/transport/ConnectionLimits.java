package io.exocom.broker.transport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts open relay connections, in total and per remote address, so that one client cannot take every
 * connection the broker can hold and lock the other services out (PROTOCOL.md §1).
 */
final class ConnectionLimits {
    private final int maxTotal;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final Map<String, AtomicInteger> byAddress = new ConcurrentHashMap<>();

    ConnectionLimits(int maxTotal, int maxPerAddress) {
        this.maxTotal = maxTotal;
        this.maxPerAddress = maxPerAddress;
    }

    /** @return null when the connection may open (and is counted), else why not, in words */
    String tryOpen(String address) {
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return "ExoCom has " + maxTotal + " connections open, its limit (EXOCOM_MAX_CONNECTIONS)";
        }
        AtomicInteger count = byAddress.computeIfAbsent(address, a -> new AtomicInteger());
        if (count.incrementAndGet() > maxPerAddress) {
            count.decrementAndGet();
            total.decrementAndGet();
            return address + " has " + maxPerAddress + " connections open, the limit per address "
                    + "(EXOCOM_MAX_CONNECTIONS_PER_ADDRESS)";
        }
        return null;
    }

    void closed(String address) {
        total.decrementAndGet();
        byAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    int open() {
        return total.get();
    }
}
