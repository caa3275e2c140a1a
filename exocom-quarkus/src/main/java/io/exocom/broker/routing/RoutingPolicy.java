package io.exocom.broker.routing;

import java.util.List;

/** Who may send what, and who receives it: the routing rules of PROTOCOL.md §4.1, as of one moment. */
public interface RoutingPolicy {

    /** "routes" when routes are configured, "development" when anything goes. */
    String mode();

    /** Whether a relay may register under this service name. */
    boolean isKnownService(String service);

    boolean maySend(String service, String name);

    /** The services that get a copy of a command named {@code name}; empty when none. */
    List<String> receiversOf(String name);

    /** What the {@code registered} frame reports as the service's sends. */
    List<String> sendsOf(String service);

    /** What the {@code registered} frame reports as the service's receives. */
    List<String> receivesOf(String service);

    /** The ServiceAccount ({@code namespace/name}) whose tokens prove the service; empty when none is named. */
    default String serviceAccountOf(String service) {
        return "";
    }

    /** The services whose routes name this ServiceAccount. */
    default List<String> servicesOfServiceAccount(String serviceAccount) {
        return List.of();
    }
}
