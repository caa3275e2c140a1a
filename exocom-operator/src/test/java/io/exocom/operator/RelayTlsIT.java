package io.exocom.operator;

import io.exocom.operator.control.BrokerCaPublisher;
import io.exocom.operator.control.OperatorSettings;
import io.exocom.operator.control.RelayEnvironment;
import io.exocom.operator.model.ExoService;
import io.exocom.operator.model.ExoServiceSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An operator for a broker with TLS: relays get EXOCOM_TLS=true and EXOCOM_TLS_CA at the broker's CA, which the
 * operator keeps in a ConfigMap next to the workload and mounts; the relay token's audience and lifetime are the
 * configured ones. Against the real API server, which validates the applied pod template.
 */
class RelayTlsIT {
    static final String NS = "tls-it";
    static final String BROKER_NS = "exocom-tls-it";
    static final String CA = "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n";

    static KubernetesClient client;
    static ExoComOperator operator;

    @BeforeAll
    static void start() throws Exception {
        TestCluster cluster = TestCluster.get();
        client = cluster.client();
        cluster.namespace(NS);
        cluster.namespace(BROKER_NS);
        Path ca = Files.createTempFile("broker-ca", ".crt");
        Files.writeString(ca, CA);
        operator = new ExoComOperator(client, new OperatorSettings(Set.of(NS), BROKER_NS, "exocom-routes",
                "exocom." + BROKER_NS + ".svc", 3100, new OperatorSettings.RelayToken("exocom-tls", 3600), true, ca),
                null).start();
    }

    @AfterAll
    static void stop() {
        if (operator != null) {
            operator.close();
        }
    }

    @Test
    void relaysGetTlsOnAndTheBrokersCaMountedNextToThem() {
        client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata().withNamespace(NS)
                .withName("orders").endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "orders")
                .endSelector().withNewTemplate().withNewMetadata().addToLabels("app", "orders").endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("example/orders:1").endContainer()
                .endSpec().endTemplate().endSpec().build()).fieldManager("kubectl").serverSideApply();
        ExoService orders = new ExoService();
        orders.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName("orders").build());
        orders.setSpec(new ExoServiceSpec(null, List.of("order.placed"), List.of("order.place"), "orders"));
        client.resources(ExoService.class).inNamespace(NS).resource(orders).create();

        Deployment deployment = Await.until("TLS env on orders", TestCluster.timeout(),
                () -> client.apps().deployments().inNamespace(NS).withName("orders").get(),
                d -> d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                        .anyMatch(e -> "EXOCOM_TLS".equals(e.getName())));
        Map<String, String> env = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
        assertEquals("true", env.get("EXOCOM_TLS"));
        assertEquals(RelayEnvironment.CA_FILE, env.get("EXOCOM_TLS_CA"));
        var spec = deployment.getSpec().getTemplate().getSpec();
        var caVolume = spec.getVolumes().stream().filter(v -> RelayEnvironment.CA_VOLUME.equals(v.getName())).findFirst()
                .orElseThrow();
        assertEquals(BrokerCaPublisher.NAME, caVolume.getConfigMap().getName());
        assertTrue(spec.getContainers().get(0).getVolumeMounts().stream()
                .anyMatch(m -> RelayEnvironment.CA_DIR.equals(m.getMountPath()) && m.getReadOnly()));
        var token = spec.getVolumes().stream().filter(v -> RelayEnvironment.TOKEN_VOLUME.equals(v.getName())).findFirst()
                .orElseThrow().getProjected().getSources().get(0).getServiceAccountToken();
        assertEquals("exocom-tls", token.getAudience());
        assertEquals(3600L, token.getExpirationSeconds());

        ConfigMap ca = client.configMaps().inNamespace(NS).withName(BrokerCaPublisher.NAME).get();
        assertEquals(CA, ca.getData().get(BrokerCaPublisher.KEY), "the CA the relays mount is the broker's");
    }
}
