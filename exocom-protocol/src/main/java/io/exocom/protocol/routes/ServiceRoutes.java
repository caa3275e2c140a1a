package io.exocom.protocol.routes;

import java.util.Objects;
import java.util.Set;

/**
 * What one service may send and receive (PROTOCOL.md §4). The sets are for look-ups; {@link #sortedSends()} and
 * {@link #sortedReceives()} give stable orders for views and logs.
 *
 * @param service  the service name that its relays register with
 * @param sends    message names it may send: commands, events and reply outcomes
 * @param receives message names delivered to it
 * @param source   where this was declared (file and line), for error messages; may be empty
 */
public record ServiceRoutes(String service, Set<String> sends, Set<String> receives, String source) {
    public ServiceRoutes {
        Objects.requireNonNull(service, "service");
        sends = Set.copyOf(sends);
        receives = Set.copyOf(receives);
        source = source == null ? "" : source;
    }

    public ServiceRoutes(String service, Set<String> sends, Set<String> receives) {
        this(service, sends, receives, "");
    }

    /** The sent names in sorted order. */
    public java.util.List<String> sortedSends() {
        return sends.stream().sorted().toList();
    }

    /** The received names in sorted order. */
    public java.util.List<String> sortedReceives() {
        return receives.stream().sorted().toList();
    }
}
