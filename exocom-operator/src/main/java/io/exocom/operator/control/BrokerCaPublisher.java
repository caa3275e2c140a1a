package io.exocom.operator.control;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;

/**
 * Keeps the CA of the broker's certificate in a ConfigMap next to each workload, which mounts it for its relays'
 * EXOCOM_TLS_CA. The file is read at every apply, so a rotated CA (the chart mounts it from the broker's
 * certificate Secret) reaches relays with the next reconciliation; relays read the file at every connect.
 */
public final class BrokerCaPublisher {
    public static final String NAME = "exocom-broker-ca";
    public static final String KEY = "ca.crt";

    private final KubernetesClient client;
    private final OperatorSettings settings;

    public BrokerCaPublisher(KubernetesClient client, OperatorSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** The CA as the operator has it; fails with a sentence naming the file when it cannot be read. */
    public String caPem() {
        try {
            return Files.readString(settings.brokerCaFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the broker's CA from EXOCOM_BROKER_CA_FILE "
                    + settings.brokerCaFile() + ": " + e.getMessage(), e);
        }
    }

    /** Applies the ConfigMap in {@code namespace} (unchanged content is a no-op for the API server). */
    public void publish(String namespace) {
        ConfigMap desired = new ConfigMapBuilder()
                .withNewMetadata().withNamespace(namespace).withName(NAME)
                .withLabels(Map.of("app.kubernetes.io/managed-by", OperatorSettings.FIELD_MANAGER,
                        "app.kubernetes.io/part-of", "exocom"))
                .endMetadata()
                .withData(Map.of(KEY, caPem()))
                .build();
        client.configMaps().inNamespace(namespace).resource(desired).fieldManager(OperatorSettings.FIELD_MANAGER)
                .forceConflicts().serverSideApply();
    }
}
