package io.exocom.operator.control;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the operator needs to know about its installation.
 *
 * @param namespaces      the namespaces whose ExoServices and Deployments it watches; empty means all
 * @param routesNamespace namespace of the routing-table ConfigMap (the broker's)
 * @param routesName      name of that ConfigMap; its key {@link #ROUTES_KEY} holds the table
 * @param brokerHost      what relays get as EXOCOM_HOST: the broker Service's DNS name
 * @param brokerPort      what relays get as EXOCOM_PORT
 */
public record OperatorSettings(Set<String> namespaces, String routesNamespace, String routesName, String brokerHost,
                               int brokerPort) {
    public static final String ROUTES_KEY = "routes.yaml";
    public static final String FIELD_MANAGER = "exocom-operator";

    public OperatorSettings {
        namespaces = Set.copyOf(new TreeSet<>(namespaces));
    }

    /** "ns/name" as in EXOCOM_ROUTES_CONFIGMAP. */
    public static String[] splitConfigMap(String reference) {
        String[] parts = reference.split("/", -1);
        if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
            throw new IllegalArgumentException("routes ConfigMap \"" + reference + "\" must be given as namespace/name, "
                    + "like exocom/exocom-routes");
        }
        return parts;
    }

    /** A comma-separated list; empty, "*" or "all" means every namespace. */
    public static Set<String> parseNamespaces(String text) {
        if (text == null || text.isBlank() || text.trim().equals("*") || text.trim().equalsIgnoreCase("all")) {
            return Set.of();
        }
        Set<String> namespaces = new TreeSet<>();
        Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(namespaces::add);
        return namespaces;
    }

    public boolean watchesAllNamespaces() {
        return namespaces.isEmpty();
    }

    public String scope() {
        return watchesAllNamespaces() ? "all namespaces" : "namespaces " + String.join(", ", namespaces);
    }
}
