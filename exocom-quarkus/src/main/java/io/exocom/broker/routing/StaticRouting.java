package io.exocom.broker.routing;

import io.exocom.protocol.routes.RouteTable;
import io.exocom.protocol.routes.ServiceRoutes;

import java.util.List;

/** Routing by configured routes: everything not granted is denied. */
public final class StaticRouting implements RoutingPolicy {
    private final RouteTable table;

    public StaticRouting(RouteTable table) {
        this.table = table;
    }

    public RouteTable table() {
        return table;
    }

    @Override
    public String mode() {
        return "routes";
    }

    @Override
    public boolean isKnownService(String service) {
        return table.isKnown(service);
    }

    @Override
    public boolean maySend(String service, String name) {
        return table.maySend(service, name);
    }

    @Override
    public List<String> receiversOf(String name) {
        return table.receiversOf(name);
    }

    @Override
    public List<String> sendsOf(String service) {
        ServiceRoutes routes = table.routesOf(service);
        return routes == null ? List.of() : routes.sortedSends();
    }

    @Override
    public List<String> receivesOf(String service) {
        ServiceRoutes routes = table.routesOf(service);
        return routes == null ? List.of() : routes.sortedReceives();
    }

    @Override
    public String serviceAccountOf(String service) {
        return table.serviceAccountOf(service);
    }

    @Override
    public List<String> servicesOfServiceAccount(String serviceAccount) {
        return table.services().stream().filter(routes -> routes.serviceAccount().equals(serviceAccount))
                .map(ServiceRoutes::service).toList();
    }
}
