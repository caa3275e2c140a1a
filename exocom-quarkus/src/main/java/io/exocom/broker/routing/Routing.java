package io.exocom.broker.routing;

import io.exocom.protocol.routes.RouteTable;

import java.time.Instant;
import java.util.function.Supplier;

/**
 * Holds the routing policy in force. Reads are a single volatile load on the hot path; a reload swaps in a new
 * policy whole, so every message is routed by one consistent table (PROTOCOL.md §4.6).
 */
public final class Routing implements Supplier<RoutingPolicy> {
    private final String source;
    private volatile RoutingPolicy current;
    private volatile Instant loadedAt = Instant.now();
    private volatile String lastError;

    private Routing(String source, RoutingPolicy initial) {
        this.source = source;
        this.current = initial;
    }

    /** Development mode: no routes configured. */
    public static Routing development() {
        return new Routing(null, new DevelopmentRouting());
    }

    public static Routing of(String source, RouteTable table) {
        return new Routing(source, new StaticRouting(table));
    }

    @Override
    public RoutingPolicy get() {
        return current;
    }

    public boolean isDevelopment() {
        return current instanceof DevelopmentRouting;
    }

    /** Where routes come from, or null in development mode. */
    public String source() {
        return source;
    }

    public void replace(RouteTable table) {
        current = new StaticRouting(table);
        loadedAt = Instant.now();
        lastError = null;
    }

    public void reloadFailed(String error) {
        lastError = error;
    }

    public void reloadRecovered() {
        lastError = null;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    /** The error of the last reload that failed while the previous routes stayed in force, or null. */
    public String lastError() {
        return lastError;
    }
}
