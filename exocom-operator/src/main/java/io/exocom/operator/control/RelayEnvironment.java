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
 * What a service's workload gets for its relays, and the server-side apply that gives it: in every container of
 * the Deployment's pod template the environment (EXOCOM_HOST, EXOCOM_PORT, SERVICE_NAME, EXOCOM_TOKEN_FILE, and
 * with TLS EXOCOM_TLS, EXOCOM_TLS_CA) and the mounts of a projected ServiceAccount token (and the broker's CA);
 * in the pod template the label {@value #SERVICE_LABEL} (the broker's NetworkPolicy admits such pods) and an
 * annotation with a hash of it all, so that pods roll when it changes. Applied under the operator's own field
 * manager: the operator owns exactly these fields, everything else stays with whoever set it, and a field someone
 * else owns is reported rather than taken over.
 */
public final class RelayEnvironment {
    public static final String HASH_ANNOTATION = "exocom.io/relay-config-hash";
    public static final String SERVICE_ANNOTATION = "exocom.io/service";
    /** The pod-template label that marks pods of an ExoService (the broker's NetworkPolicy admits them). */
    public static final String SERVICE_LABEL = "exocom.io/service";
    public static final String TOKEN_VOLUME = "exocom-token";
    public static final String TOKEN_DIR = "/var/run/secrets/exocom.io/serviceaccount";
    public static final String TOKEN_FILE = TOKEN_DIR + "/token";
    public static final String CA_VOLUME = "exocom-broker-ca";
    public static final String CA_DIR = "/etc/exocom/broker-ca";
    public static final String CA_FILE = CA_DIR + "/" + BrokerCaPublisher.KEY;

    private final KubernetesClient client;
    private final OperatorSettings settings;

    public RelayEnvironment(KubernetesClient client, OperatorSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** The result of setting the environment. */
    public enum Change { UNCHANGED, APPLIED }

    /** The environment relays of {@code service} get. */
    public Map<String, String> values(String service) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("EXOCOM_HOST", settings.brokerHost());
        env.put("EXOCOM_PORT", Integer.toString(settings.brokerPort()));
        env.put("SERVICE_NAME", service);
        env.put("EXOCOM_TOKEN_FILE", TOKEN_FILE);
        if (settings.brokerTls()) {
            env.put("EXOCOM_TLS", "true");
            if (settings.brokerCaFile() != null) {
                env.put("EXOCOM_TLS_CA", CA_FILE);
            }
        }
        return env;
    }

    /** Whether workloads mount the broker's CA (a ConfigMap {@link BrokerCaPublisher} keeps next to them). */
    public boolean mountsBrokerCa() {
        return settings.brokerTls() && settings.brokerCaFile() != null;
    }

    /** A short hash of what relays get: the pod-template annotation that makes pods roll when it changes. */
    public String hash(Map<String, String> env) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            env.forEach((k, v) -> digest.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8)));
            digest.update(("token " + settings.relayToken().audience() + " " + settings.relayToken().expirationSeconds()
                    + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The part of the Deployment spec the operator owns for {@code service}: pure, no API calls. */
    public Map<String, Object> desiredSpec(Deployment deployment, String service) {
        Map<String, String> env = values(service);
        List<Map<String, Object>> containers = new ArrayList<>();
        for (var container : deployment.getSpec().getTemplate().getSpec().getContainers()) {
            List<Map<String, Object>> vars = new ArrayList<>();
            env.forEach((name, value) -> vars.add(Map.of("name", name, "value", value)));
            List<Map<String, Object>> mounts = new ArrayList<>();
            mounts.add(Map.of("name", TOKEN_VOLUME, "mountPath", TOKEN_DIR, "readOnly", true));
            if (mountsBrokerCa()) {
                mounts.add(Map.of("name", CA_VOLUME, "mountPath", CA_DIR, "readOnly", true));
            }
            containers.add(Map.of("name", container.getName(), "env", vars, "volumeMounts", mounts));
        }
        List<Map<String, Object>> volumes = new ArrayList<>();
        // a token for the broker only (audience), short-lived and rotated by the kubelet; relays re-read the file
        volumes.add(Map.of("name", TOKEN_VOLUME, "projected", Map.of("sources", List.of(Map.of("serviceAccountToken",
                Map.of("audience", settings.relayToken().audience(),
                        "expirationSeconds", settings.relayToken().expirationSeconds(), "path", "token"))))));
        if (mountsBrokerCa()) {
            volumes.add(Map.of("name", CA_VOLUME, "configMap", Map.of("name", BrokerCaPublisher.NAME)));
        }
        Map<String, Object> template = Map.of(
                "metadata", Map.of("labels", Map.of(SERVICE_LABEL, service),
                        "annotations", Map.of(HASH_ANNOTATION, hash(env), SERVICE_ANNOTATION, service)),
                "spec", Map.of("containers", containers, "volumes", volumes));
        return Map.of("template", template);
    }

    /**
     * Applies the environment of {@code service} to {@code deployment} (which exists). Throws
     * {@link KubernetesClientException} with code 409 when another manager owns one of these fields.
     */
    public Change apply(Deployment deployment, String service) {
        GenericKubernetesResource applied = applySpec(deployment, desiredSpec(deployment, service));
        String before = deployment.getMetadata().getResourceVersion();
        return before != null && before.equals(applied.getMetadata().getResourceVersion()) ? Change.UNCHANGED : Change.APPLIED;
    }

    /**
     * Gives up every field the operator set on this Deployment: applying an empty configuration under the same
     * field manager removes the fields only it owned; values that users also set stay. {@code current} is the
     * Deployment as the informer has it, or null when it is gone.
     */
    public void remove(Deployment current) {
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
