package io.exocom.operator;

import io.exocom.operator.PolicyCheck.PodRef;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chart's NetworkPolicies, server-side applied to the real API server and read back as it stored them: the
 * broker accepts only ExoService pods of the watched namespaces and the operator, on its port (the relays'
 * policies are the operator's: OperatorTlsAndNetworkPolicyIT); networkPolicies.enabled=false renders none and
 * tells the operator to keep none.
 */
class NetworkPoliciesIT {
    static final String NS = "np-exocom";
    static final String WATCHED = "np-shop";
    static final String OTHER = "np-other";
    static final int PORT = 3100;

    static TestCluster cluster;
    static KubernetesClient client;
    static List<Map<String, Object>> rendered;
    static NetworkPolicy broker;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.get();
        client = cluster.client();
        for (String ns : List.of(NS, WATCHED, OTHER)) {
            cluster.namespace(ns);
        }
        rendered = K8sFiles.helmTemplate(cluster, "np", NS, "watch.namespaces={" + WATCHED + "}");
        for (Map<String, Object> object : rendered) {
            if ("NetworkPolicy".equals(K8sFiles.kind(object))) {
                NetworkPolicy policy = K8sFiles.as(object, NetworkPolicy.class);
                String ns = policy.getMetadata().getNamespace() == null ? NS : policy.getMetadata().getNamespace();
                NetworkPolicy stored = client.network().v1().networkPolicies().inNamespace(ns).resource(policy)
                        .fieldManager("helm").forceConflicts().serverSideApply();
                assertEquals(NS, ns, "the chart renders the broker's policy only; the operator keeps the relays' ones");
                broker = stored;
            }
        }
    }

    /** A pod in a namespace, with that namespace's labels as the API server keeps them. */
    static PodRef pod(String namespace, Map<String, String> labels) {
        return new PodRef(namespace, client.namespaces().withName(namespace).get().getMetadata().getLabels(), labels);
    }

    static Map<String, String> templateLabels(String kind) {
        Map<String, Object> object = rendered.stream().filter(o -> kind.equals(K8sFiles.kind(o))).findFirst().orElseThrow();
        return "StatefulSet".equals(kind)
                ? K8sFiles.as(object, StatefulSet.class).getSpec().getTemplate().getMetadata().getLabels()
                : K8sFiles.as(object, Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
    }

    /** The labels the operator puts on an ExoService workload's pods, beside the user's own. */
    static Map<String, String> exoServicePod(String service) {
        Map<String, String> labels = new HashMap<>(Map.of("app", service));
        labels.put(io.exocom.operator.control.RelayEnvironment.SERVICE_LABEL, service);
        return labels;
    }

    @Test
    void theBrokerAcceptsOnlyExoServicePodsOfWatchedNamespacesAndTheOperator() {
        PodRef brokerPod = pod(NS, templateLabels("StatefulSet"));
        assertTrue(PolicyCheck.selects(broker, brokerPod), "the policy selects the broker's pods");
        assertTrue(PolicyCheck.ingressAllows(broker, pod(WATCHED, exoServicePod("todos")), brokerPod, PORT));
        assertTrue(PolicyCheck.ingressAllows(broker, pod(NS, templateLabels("Deployment")), brokerPod, PORT),
                "the operator");
        assertTrue(PolicyCheck.ingressAllows(broker, pod(NS, exoServicePod("helm-test")), brokerPod, PORT),
                "the helm test pod in the release namespace");
        assertFalse(PolicyCheck.ingressAllows(broker, pod(WATCHED, Map.of("app", "todos")), brokerPod, PORT),
                "a pod that is no ExoService's");
        assertFalse(PolicyCheck.ingressAllows(broker, pod(OTHER, exoServicePod("todos")), brokerPod, PORT),
                "an ExoService pod of a namespace the operator does not watch");
        assertFalse(PolicyCheck.ingressAllows(broker, pod(WATCHED, exoServicePod("todos")), brokerPod, 8080),
                "another port");
        assertEquals(List.of("Ingress"), broker.getSpec().getPolicyTypes());
    }

    @Test
    void theManifestsBrokerPolicyAdmitsExoServicePodsOfAnyNamespaceAndTheOperatorOnly() throws Exception {
        List<Map<String, Object>> manifests = K8sFiles.manifests();
        Map<String, Object> namespace = manifests.stream().filter(o -> "Namespace".equals(K8sFiles.kind(o))).findFirst()
                .orElseThrow();
        client.namespaces().resource(K8sFiles.as(namespace, io.fabric8.kubernetes.api.model.Namespace.class))
                .serverSideApply();
        NetworkPolicy policy = K8sFiles.as(manifests.stream().filter(o -> "NetworkPolicy".equals(K8sFiles.kind(o)))
                .findFirst().orElseThrow(), NetworkPolicy.class);
        NetworkPolicy stored = client.network().v1().networkPolicies().inNamespace("exocom").resource(policy)
                .fieldManager("kubectl").forceConflicts().serverSideApply();
        Map<String, String> brokerLabels = manifestTemplateLabels(manifests, "StatefulSet");
        PodRef brokerPod = pod("exocom", brokerLabels);
        assertTrue(PolicyCheck.ingressAllows(stored, pod(OTHER, exoServicePod("todos")), brokerPod, PORT));
        assertTrue(PolicyCheck.ingressAllows(stored, pod("exocom", manifestTemplateLabels(manifests, "Deployment")),
                brokerPod, PORT), "the operator");
        assertFalse(PolicyCheck.ingressAllows(stored, pod(OTHER, Map.of("app", "todos")), brokerPod, PORT));
        assertFalse(PolicyCheck.ingressAllows(stored, pod(OTHER, exoServicePod("todos")), brokerPod, 8080));
    }

    static Map<String, String> manifestTemplateLabels(List<Map<String, Object>> objects, String kind) {
        Map<String, Object> object = objects.stream().filter(o -> kind.equals(K8sFiles.kind(o))).findFirst().orElseThrow();
        return "StatefulSet".equals(kind)
                ? K8sFiles.as(object, StatefulSet.class).getSpec().getTemplate().getMetadata().getLabels()
                : K8sFiles.as(object, Deployment.class).getSpec().getTemplate().getMetadata().getLabels();
    }

    @Test
    void theSwitchTurnsThemOff() throws Exception {
        List<Map<String, Object>> off = K8sFiles.helmTemplate(cluster, "np", NS, "watch.namespaces={" + WATCHED + "}",
                "networkPolicies.enabled=false");
        assertEquals(List.of(), off.stream().filter(o -> "NetworkPolicy".equals(K8sFiles.kind(o))).toList());
        assertEquals("false", operatorEnv(off).get("EXOCOM_RELAY_NETWORK_POLICY"));
        Map<String, String> on = operatorEnv(rendered);
        assertEquals("true", on.get("EXOCOM_RELAY_NETWORK_POLICY"));
        assertEquals("app.kubernetes.io/instance=np,app.kubernetes.io/component=broker", on.get("EXOCOM_BROKER_POD_SELECTOR"),
                "the operator's relays' policies point at the broker's pods");
        assertTrue(PolicyCheck.matches(new io.fabric8.kubernetes.api.model.LabelSelector(null,
                io.exocom.operator.control.RelayNetworkPolicy.Settings.parseSelector(on.get("EXOCOM_BROKER_POD_SELECTOR"))),
                templateLabels("StatefulSet")));
    }

    static Map<String, String> operatorEnv(List<Map<String, Object>> objects) {
        Map<String, String> env = new HashMap<>();
        Deployment operator = K8sFiles.as(objects.stream().filter(o -> "Deployment".equals(K8sFiles.kind(o))).findFirst()
                .orElseThrow(), Deployment.class);
        operator.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()
                .forEach(e -> env.put(e.getName(), e.getValue()));
        return env;
    }
}
