package io.exocom.operator.control;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sets a service's relay environment (EXOCOM_HOST, EXOCOM_PORT, SERVICE_NAME) in every container of its
 * Deployment's pod template, plus an annotation with a hash of it so that pods roll when it changes. Server-side
 * apply under the operator's own field manager: the operator owns exactly these fields, everything else in the
 * Deployment stays with whoever set it, and a field someone else owns is reported rather than taken over.
 */
public final class RelayEnvironment {
    public static final String HASH_ANNOTATION = "exocom.io/relay-config-hash";
    public static final String SERVICE_ANNOTATION = "exocom.io/service";

    private final KubernetesClient client;
    private final OperatorSettings settings;

    public RelayEnvironment(KubernetesClient client, OperatorSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** The result of setting the environment. */
    public enum Change { UNCHANGED, APPLIED }

    /** The values relays of {@code service} get. */
    public Map<String, String> values(String service) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("EXOCOM_HOST", settings.brokerHost());
        env.put("EXOCOM_PORT", Integer.toString(settings.brokerPort()));
        env.put("SERVICE_NAME", service);
        return env;
    }

    /** A short hash of the values: the pod-template annotation that makes pods roll when they change. */
    public static String hash(Map<String, String> env) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            env.forEach((k, v) -> digest.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Applies the environment of {@code service} to {@code deployment} (which exists). Throws
     * {@link KubernetesClientException} with code 409 when another manager owns one of these fields.
     */
    public Change apply(Deployment deployment, String service) {
        Map<String, String> env = values(service);
        String hash = hash(env);
        List<Map<String, Object>> containers = new ArrayList<>();
        for (var container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
            List<Map<String, Object>> vars = new ArrayList<>();
            env.forEach((name, value) -> vars.add(Map.of("name", name, "value", value)));
            containers.add(Map.of("name", container.getName(), "env", vars));
        }
        Map<String, Object> template = Map.of(
                "metadata", Map.of("annotations", Map.of(HASH_ANNOTATION, hash, SERVICE_ANNOTATION, service)),
                "spec", Map.of("containers", containers));
        GenericKubernetesResource applied = applySpec(deployment, Map.of("template", template));
        String before = deployment.getMetadata().getResourceVersion();
        return before != null && before.equals(applied.getMetadata().getResourceVersion()) ? Change.UNCHANGED : Change.APPLIED;
    }

    /**
     * Gives up every field the operator set on this Deployment: applying an empty configuration under the same
     * field manager removes the fields only it owned; values that users also set stay.
     */
    public void remove(String namespace, String name) {
        Deployment current = client.apps().deployments().inNamespace(namespace).withName(name).get();
        if (current == null || !managedByOperator(current)) {
            return;
        }
        applySpec(current, null);
    }

    /** Whether the operator's field manager owns fields of this Deployment. */
    public static boolean managedByOperator(Deployment deployment) {
        List<ManagedFieldsEntry> entries = deployment.getMetadata().getManagedFields();
        return entries != null && entries.stream().anyMatch(e -> OperatorSettings.FIELD_MANAGER.equals(e.getManager())
                && "Apply".equals(e.getOperation()));
    }

    private GenericKubernetesResource applySpec(Deployment deployment, Map<String, Object> spec) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("apiVersion", "apps/v1");
        object.put("kind", "Deployment");
        object.put("metadata", Map.of("name", deployment.getMetadata().getName(),
                "namespace", deployment.getMetadata().getNamespace()));
        if (spec != null) {
            object.put("spec", spec);
        }
        GenericKubernetesResource resource = Serialization.unmarshal(Serialization.asJson(object), GenericKubernetesResource.class);
        return client.genericKubernetesResources("apps/v1", "Deployment")
                .inNamespace(deployment.getMetadata().getNamespace()).resource(resource)
                .fieldManager(OperatorSettings.FIELD_MANAGER).serverSideApply();
    }
}
