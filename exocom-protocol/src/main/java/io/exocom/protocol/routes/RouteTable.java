package io.exocom.protocol.routes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The routes of all services, indexed for the broker's hot path: who may send a name, and who receives it.
 * Immutable; a change of routes builds a new table and swaps it in whole.
 */
public final class RouteTable {
    private static final RouteTable EMPTY = new RouteTable(List.of());

    private final Map<String, ServiceRoutes> services;
    private final Map<String, List<String>> receiversByName;

    private RouteTable(Collection<ServiceRoutes> routes) {
        Map<String, ServiceRoutes> byService = new TreeMap<>();
        Map<String, List<String>> receivers = new HashMap<>();
        for (ServiceRoutes service : routes) {
            if (byService.put(service.service(), service) != null) {
                throw new IllegalArgumentException("service " + service.service() + " is declared twice");
            }
        }
        for (ServiceRoutes service : byService.values()) {
            for (String name : service.receives()) {
                receivers.computeIfAbsent(name, n -> new ArrayList<>()).add(service.service());
            }
        }
        receivers.replaceAll((name, list) -> List.copyOf(list));
        this.services = Collections.unmodifiableMap(byService);
        this.receiversByName = receivers;
    }

    public static RouteTable of(Collection<ServiceRoutes> routes) {
        return new RouteTable(routes);
    }

    public static RouteTable empty() {
        return EMPTY;
    }

    /** Whether the routes declare this service. */
    public boolean isKnown(String service) {
        return services.containsKey(service);
    }

    /** Whether {@code service} may send messages named {@code name}. */
    public boolean maySend(String service, String name) {
        ServiceRoutes routes = services.get(service);
        return routes != null && routes.sends().contains(name);
    }

    /** The services that receive messages named {@code name}, in service-name order; empty when none. */
    public List<String> receiversOf(String name) {
        return receiversByName.getOrDefault(name, List.of());
    }

    /** The routes of one service, or null when it is not declared. */
    public ServiceRoutes routesOf(String service) {
        return services.get(service);
    }

    /** The ServiceAccount ({@code namespace/name}) whose tokens prove {@code service}; empty when none is named. */
    public String serviceAccountOf(String service) {
        ServiceRoutes routes = services.get(service);
        return routes == null ? "" : routes.serviceAccount();
    }

    /** All services, in name order. */
    public Collection<ServiceRoutes> services() {
        return services.values();
    }

    public int size() {
        return services.size();
    }
}
