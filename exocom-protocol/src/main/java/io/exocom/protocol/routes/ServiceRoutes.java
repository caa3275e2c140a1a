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
 * @param serviceAccount the Kubernetes ServiceAccount, {@code namespace/name}, whose tokens prove this service
 *                 (README, Security); empty when none is named
 */
public record ServiceRoutes(String service, Set<String> sends, Set<String> receives, String source, String serviceAccount) {
    public ServiceRoutes {
        Objects.requireNonNull(service, "service");
        sends = Set.copyOf(sends);
        receives = Set.copyOf(receives);
        source = source == null ? "" : source;
        serviceAccount = serviceAccount == null ? "" : serviceAccount;
    }

    public ServiceRoutes(String service, Set<String> sends, Set<String> receives, String source) {
        this(service, sends, receives, source, "");
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
