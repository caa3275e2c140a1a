package io.exocom.operator.control;

import java.nio.file.Path;
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
 * @param relayToken      the ServiceAccount token projected into every workload
 * @param brokerTls       whether the broker runs with TLS: relays then get EXOCOM_TLS=true
 * @param brokerCaFile    the broker certificate's CA (PEM), copied next to each workload for EXOCOM_TLS_CA; null:
 *                        relays verify against their system trust store
 * @param relayNetworkPolicy the NetworkPolicy the operator keeps in each namespace with ExoServices; null: none
 */
public record OperatorSettings(Set<String> namespaces, String routesNamespace, String routesName, String brokerHost,
                               int brokerPort, RelayToken relayToken, boolean brokerTls, Path brokerCaFile,
                               RelayNetworkPolicy.Settings relayNetworkPolicy) {
    public static final String ROUTES_KEY = "routes.yaml";
    public static final String FIELD_MANAGER = "exocom-operator";

    /**
     * The projected ServiceAccount token relays prove their service with.
     *
     * @param audience          the audience the broker's TokenReview asks for
     * @param expirationSeconds its lifetime; the kubelet rotates it at 80% of that (the API's minimum is 600)
     */
    public record RelayToken(String audience, long expirationSeconds) {
        public static final RelayToken DEFAULT = new RelayToken("exocom", 600);

        public RelayToken {
            if (audience == null || audience.isBlank()) {
                throw new IllegalArgumentException("EXOCOM_RELAY_TOKEN_AUDIENCE is empty, but relays' tokens need an "
                        + "audience the broker checks, like exocom");
            }
            if (expirationSeconds < 600 || expirationSeconds > 86400) {
                throw new IllegalArgumentException("EXOCOM_RELAY_TOKEN_EXPIRATION is " + expirationSeconds + ", but it "
                        + "must be 600 to 86400 seconds (Kubernetes issues projected tokens for at least 10 minutes)");
            }
        }
    }

    public OperatorSettings {
        namespaces = Set.copyOf(new TreeSet<>(namespaces));
        relayToken = relayToken == null ? RelayToken.DEFAULT : relayToken;
    }

    /** Without TLS, with the default relay token, without NetworkPolicies. */
    public OperatorSettings(Set<String> namespaces, String routesNamespace, String routesName, String brokerHost,
                            int brokerPort) {
        this(namespaces, routesNamespace, routesName, brokerHost, brokerPort, RelayToken.DEFAULT, false, null, null);
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
