package io.exocom.operator.control;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The NetworkPolicy the operator keeps in every namespace that has a routed ExoService: pods of ExoServices (label
 * {@value RelayEnvironment#SERVICE_LABEL}) may reach the broker's pods on the broker port and DNS, plus the extra
 * egress rules the installation gives; other egress of theirs is denied. The broker's own ingress policy is the
 * chart's (or the manifests').
 */
public final class RelayNetworkPolicy {
    public static final String NAME = "exocom-relays";

    /**
     * @param brokerSelector the labels of the broker's pods (in the routes ConfigMap's namespace)
     * @param extraEgress    further NetworkPolicy egress rules for ExoService pods, as the API writes them
     */
    public record Settings(Map<String, String> brokerSelector, List<Map<String, Object>> extraEgress) {
        public Settings {
            if (brokerSelector == null || brokerSelector.isEmpty()) {
                throw new IllegalArgumentException("EXOCOM_BROKER_POD_SELECTOR is empty, but the relays' NetworkPolicy "
                        + "needs the broker pods' labels, like app.kubernetes.io/component=broker");
            }
            brokerSelector = Map.copyOf(brokerSelector);
            extraEgress = extraEgress == null ? List.of() : List.copyOf(extraEgress);
        }

        /** {@code key=value,key=value}, as EXOCOM_BROKER_POD_SELECTOR gives it. */
        public static Map<String, String> parseSelector(String text) {
            Map<String, String> labels = new LinkedHashMap<>();
            for (String pair : Arrays.stream(text == null ? new String[0] : text.split(",")).map(String::trim)
                    .filter(p -> !p.isEmpty()).toList()) {
                int eq = pair.indexOf('=');
                if (eq <= 0 || eq == pair.length() - 1) {
                    throw new IllegalArgumentException("EXOCOM_BROKER_POD_SELECTOR is \"" + text + "\", but it must be "
                            + "labels as key=value pairs separated by commas, like app.kubernetes.io/component=broker");
                }
                labels.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            return labels;
        }

        /** A JSON list of egress rules, as EXOCOM_RELAY_EGRESS_EXTRA gives it; empty text: none. */
        @SuppressWarnings("unchecked")
        public static List<Map<String, Object>> parseEgress(String json) {
            if (json == null || json.isBlank()) {
                return List.of();
            }
            try {
                return Serialization.unmarshal(json, List.class);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("EXOCOM_RELAY_EGRESS_EXTRA is not a JSON list of NetworkPolicy "
                        + "egress rules: " + e.getMessage(), e);
            }
        }
    }

    private final KubernetesClient client;
    private final OperatorSettings settings;

    public RelayNetworkPolicy(KubernetesClient client, OperatorSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    public boolean enabled() {
        return settings.relayNetworkPolicy() != null;
    }

    /** The policy for {@code namespace}: pure, no API calls. */
    public Map<String, Object> desired(String namespace) {
        Settings policy = settings.relayNetworkPolicy();
        List<Map<String, Object>> egress = new ArrayList<>();
        egress.add(Map.of(
                "to", List.of(Map.of(
                        "namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", settings.routesNamespace())),
                        "podSelector", Map.of("matchLabels", policy.brokerSelector()))),
                "ports", List.of(Map.of("port", settings.brokerPort(), "protocol", "TCP"))));
        egress.add(Map.of(
                "to", List.of(Map.of("namespaceSelector", Map.of(), "podSelector", Map.of("matchLabels", Map.of("k8s-app", "kube-dns")))),
                "ports", List.of(Map.of("port", 53, "protocol", "UDP"), Map.of("port", 53, "protocol", "TCP"))));
        egress.addAll(policy.extraEgress());
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("apiVersion", "networking.k8s.io/v1");
        object.put("kind", "NetworkPolicy");
        object.put("metadata", Map.of("name", NAME, "namespace", namespace, "labels",
                Map.of("app.kubernetes.io/managed-by", OperatorSettings.FIELD_MANAGER, "app.kubernetes.io/part-of", "exocom")));
        object.put("spec", Map.of(
                "podSelector", Map.of("matchExpressions", List.of(Map.of("key", RelayEnvironment.SERVICE_LABEL, "operator", "Exists"))),
                "policyTypes", List.of("Egress"),
                "egress", egress));
        return object;
    }

    /** Applies it (unchanged content is a no-op for the API server). */
    public void apply(String namespace) {
        GenericKubernetesResource resource = Serialization.unmarshal(Serialization.asJson(desired(namespace)),
                GenericKubernetesResource.class);
        client.genericKubernetesResources("networking.k8s.io/v1", "NetworkPolicy").inNamespace(namespace)
                .resource(resource).fieldManager(OperatorSettings.FIELD_MANAGER).forceConflicts().serverSideApply();
    }
}
