package io.exocom.operator;

import io.exocom.operator.control.BrokerCaPublisher;
import io.exocom.operator.control.OperatorSettings;
import io.exocom.operator.control.RelayEnvironment;
import io.exocom.operator.control.RelayNetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An operator for a broker with TLS and NetworkPolicies on. TLS: relays get EXOCOM_TLS=true and EXOCOM_TLS_CA at the broker's CA, which the
 * operator keeps in a ConfigMap next to the workload and mounts; the relay token's audience and lifetime are the
 * configured ones. NetworkPolicy: the operator keeps exocom-relays in the ExoService's namespace, so its pods may
 * reach the broker and DNS and what the installation adds, nothing else. Against the real API server, which
 * validates the applied objects.
 */
class OperatorTlsAndNetworkPolicyIT {
    static final String NS = "tls-it";
    static final String BROKER_NS = "exocom-tls-it";
    static final Map<String, String> BROKER_LABELS = Map.of("app.kubernetes.io/instance", "tls", "app.kubernetes.io/component", "broker");
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
                "exocom." + BROKER_NS + ".svc", 3100, new OperatorSettings.RelayToken("exocom-tls", 3600), true, ca,
                new RelayNetworkPolicy.Settings(BROKER_LABELS, RelayNetworkPolicy.Settings.parseEgress(
                        "[{\"to\":[{\"podSelector\":{\"matchLabels\":{\"app\":\"postgres\"}}}],"
                                + "\"ports\":[{\"port\":5432,\"protocol\":\"TCP\"}]}]"))),
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

        // the pods carry the label the relays' NetworkPolicy selects
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        NetworkPolicy policy = Await.until("the relays' NetworkPolicy in " + NS, TestCluster.timeout(),
                () -> client.network().v1().networkPolicies().inNamespace(NS).withName(RelayNetworkPolicy.NAME).get(),
                p -> p != null);
        PolicyCheck.PodRef ordersPod = pod(NS, podLabels);
        assertTrue(PolicyCheck.selects(policy, ordersPod));
        assertFalse(PolicyCheck.selects(policy, pod(NS, Map.of("app", "database"))), "other pods are left alone");
        assertTrue(PolicyCheck.egressAllows(policy, ordersPod, pod(BROKER_NS, BROKER_LABELS), 3100, "TCP"), "the broker");
        assertTrue(PolicyCheck.egressAllows(policy, ordersPod, pod("kube-system", Map.of("k8s-app", "kube-dns")), 53, "UDP"));
        assertTrue(PolicyCheck.egressAllows(policy, ordersPod, pod(NS, Map.of("app", "postgres")), 5432, "TCP"),
                "the extra rule");
        assertFalse(PolicyCheck.egressAllows(policy, ordersPod, pod(BROKER_NS, Map.of("app", "other")), 3100, "TCP"));
        assertFalse(PolicyCheck.egressAllows(policy, ordersPod, pod(NS, Map.of("app", "web")), 80, "TCP"),
                "nothing else");
    }

    static PolicyCheck.PodRef pod(String namespace, Map<String, String> labels) {
        var ns = client.namespaces().withName(namespace).get();
        return new PolicyCheck.PodRef(namespace, ns == null ? Map.of("kubernetes.io/metadata.name", namespace)
                : ns.getMetadata().getLabels(), labels);
    }
}
