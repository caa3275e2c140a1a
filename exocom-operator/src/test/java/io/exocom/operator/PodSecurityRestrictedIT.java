package io.exocom.operator;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every pod of the Helm chart (broker, operator, helm test) and of the plain manifests is admitted by a namespace
 * that enforces the "restricted" Pod Security Standard: the real API server's PodSecurity admission decides, on a
 * server-side dry-run create of each pod (the test cluster has no controllers, so the pods of Deployments and
 * StatefulSets are created from their templates as their controllers would).
 */
class PodSecurityRestrictedIT {
    static final Map<String, String> RESTRICTED = Map.of("pod-security.kubernetes.io/enforce", "restricted",
            "pod-security.kubernetes.io/enforce-version", "latest");

    static TestCluster cluster;
    static KubernetesClient client;

    @BeforeAll
    static void start() {
        cluster = TestCluster.get();
        client = cluster.client();
    }

    /** The pods the workloads in these objects would run, in that namespace. */
    static List<Pod> pods(List<Map<String, Object>> objects, String namespace) {
        List<Pod> pods = new ArrayList<>();
        for (Map<String, Object> object : objects) {
            switch (K8sFiles.kind(object)) {
                case "Pod" -> {
                    Pod pod = K8sFiles.as(object, Pod.class);
                    pod.getMetadata().setNamespace(namespace);
                    pods.add(pod);
                }
                case "Deployment" -> {
                    Deployment d = K8sFiles.as(object, Deployment.class);
                    pods.add(pod(d.getMetadata().getName() + "-0", namespace, d.getSpec().getTemplate()));
                }
                case "StatefulSet" -> {
                    StatefulSet s = K8sFiles.as(object, StatefulSet.class);
                    Pod pod = pod(s.getMetadata().getName() + "-0", namespace, s.getSpec().getTemplate());
                    // the StatefulSet controller adds a volume per claim template
                    for (PersistentVolumeClaim claim : s.getSpec().getVolumeClaimTemplates()) {
                        String name = claim.getMetadata().getName();
                        pod.getSpec().getVolumes().add(new VolumeBuilder().withName(name).withNewPersistentVolumeClaim()
                                .withClaimName(name + "-" + pod.getMetadata().getName()).endPersistentVolumeClaim().build());
                    }
                    pods.add(pod);
                }
                default -> {
                }
            }
        }
        return pods;
    }

    static Pod pod(String name, String namespace, PodTemplateSpec template) {
        ObjectMeta meta = new ObjectMetaBuilder().withName(name).withNamespace(namespace)
                .withLabels(template.getMetadata() == null ? Map.of() : template.getMetadata().getLabels()).build();
        PodSpec spec = template.getSpec();
        if (spec.getVolumes() == null) {
            spec.setVolumes(new ArrayList<>());
        }
        return new PodBuilder().withMetadata(meta).withSpec(spec).build();
    }

    /** Dry-run creates each pod; returns the refusals ("pod: reason"). */
    static List<String> refusals(List<Pod> pods) {
        List<String> refused = new ArrayList<>();
        for (Pod pod : pods) {
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).dryRun().create();
            } catch (KubernetesClientException e) {
                refused.add(pod.getMetadata().getName() + ": " + e.getMessage());
            }
        }
        return refused;
    }

    @Test
    void aPodWithoutSecurityContextIsRefusedThere() {
        String ns = cluster.namespace("psa-control", RESTRICTED);
        Pod plain = new PodBuilder().withNewMetadata().withName("plain").withNamespace(ns).endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("example/plain:1").endContainer().endSpec().build();
        KubernetesClientException e = assertThrows(KubernetesClientException.class,
                () -> client.pods().inNamespace(ns).resource(plain).dryRun().create());
        assertEquals(403, e.getCode(), e.getMessage());
        assertTrue(e.getMessage().contains("violates PodSecurity \"restricted:latest\""), e.getMessage());
    }

    @Test
    void everyPodOfTheChartIsAdmitted() throws Exception {
        String ns = cluster.namespace("psa-chart", RESTRICTED);
        record Variant(String what, String[] sets) {
        }
        List<Variant> variants = List.of(
                new Variant("defaults", new String[0]),
                new Variant("JVM image", new String[] {"broker.image.flavor=jvm"}),
                new Variant("TLS from a Secret", new String[] {"broker.tls.enabled=true", "broker.tls.existingSecret=exocom-tls"}),
                new Variant("watched namespaces", new String[] {"watch.namespaces={psa-chart,shop}"}));
        for (Variant variant : variants) {
            List<Pod> pods = pods(K8sFiles.helmTemplate(cluster, "psa", ns, variant.sets()), ns);
            List<String> names = pods.stream().map(p -> p.getMetadata().getName()).toList();
            assertEquals(List.of("psa-exocom-operator-0", "psa-exocom-0", "psa-exocom-test"), names,
                    variant.what() + ": the operator, the broker and the helm test pod");
            assertEquals(List.of(), refusals(pods), variant.what());
        }
    }

    @Test
    void everyPodOfTheManifestsIsAdmittedAndTheirNamespaceEnforcesRestricted() throws Exception {
        List<Map<String, Object>> objects = K8sFiles.manifests();
        Map<String, Object> namespace = objects.stream().filter(o -> "Namespace".equals(K8sFiles.kind(o))).findFirst()
                .orElseThrow();
        io.fabric8.kubernetes.api.model.Namespace applied = client.namespaces()
                .resource(K8sFiles.as(namespace, io.fabric8.kubernetes.api.model.Namespace.class)).serverSideApply();
        assertEquals("restricted", applied.getMetadata().getLabels().get("pod-security.kubernetes.io/enforce"));
        List<Pod> pods = pods(objects, applied.getMetadata().getName());
        assertEquals(List.of("exocom-0", "exocom-operator-0"), pods.stream().map(p -> p.getMetadata().getName()).toList());
        assertEquals(List.of(), refusals(pods));
    }
}
