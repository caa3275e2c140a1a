package io.exocom.operator;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Values the chart cannot honour stop helm with one sentence naming the value; the good ones render as meant. */
class ChartValuesIT {

    static String refusal(String... sets) throws Exception {
        K8sFiles.Rendered rendered = K8sFiles.render(TestCluster.get(), "v", "exocom", sets);
        assertNotEquals(0, rendered.exit(), String.join(" ", sets) + " rendered:\n" + rendered.out());
        return rendered.error();
    }

    @Test
    void badValuesAreRefusedWithASentence() throws Exception {
        String replicas = refusal("broker.replicas=2");
        assertTrue(replicas.contains("broker.replicas is 2, but it must be 1"), replicas);
        String flavor = refusal("broker.image.flavor=graal");
        assertTrue(flavor.contains("broker.image.flavor is \"graal\", but it must be native"), flavor);
        String noCertificate = refusal("broker.tls.enabled=true");
        assertTrue(noCertificate.contains("broker.tls.enabled is true, but there is no certificate"), noCertificate);
        String both = refusal("broker.tls.enabled=true", "broker.tls.existingSecret=x", "broker.tls.certManager.enabled=true");
        assertTrue(both.contains("not both"), both);
        String noIssuer = refusal("broker.tls.enabled=true", "broker.tls.certManager.enabled=true");
        assertTrue(noIssuer.contains("issuerRef.name is empty"), noIssuer);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theBrokerStartsWithTheHeapShareAndExitOnOutOfMemoryAndItsJournalOnTheClaim() throws Exception {
        List<Map<String, Object>> objects = K8sFiles.helmTemplate(TestCluster.get(), "v", "exocom",
                "broker.maxRamPercentage=40", "broker.persistence.size=5Gi", "broker.persistence.storageClass=fast");
        var broker = K8sFiles.as(objects.stream().filter(o -> "StatefulSet".equals(K8sFiles.kind(o))).findFirst()
                .orElseThrow(), io.fabric8.kubernetes.api.model.apps.StatefulSet.class);
        assertEquals(1, broker.getSpec().getReplicas());
        var container = broker.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(List.of("-XX:MaxRAMPercentage=40", "-XX:+ExitOnOutOfMemoryError"), container.getArgs());
        assertTrue(container.getEnv().stream().anyMatch(e -> e.getName().equals("EXOCOM_DATA_DIR")
                && e.getValue().equals("/var/lib/exocom")));
        assertTrue(container.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("data")
                && m.getMountPath().equals("/var/lib/exocom")));
        var claim = broker.getSpec().getVolumeClaimTemplates().get(0);
        assertEquals("data", claim.getMetadata().getName());
        assertEquals("5Gi", claim.getSpec().getResources().getRequests().get("storage").toString());
        assertEquals("fast", claim.getSpec().getStorageClassName());

        List<Map<String, Object>> jvm = K8sFiles.helmTemplate(TestCluster.get(), "v", "exocom", "broker.image.flavor=jvm");
        var jvmContainer = K8sFiles.as(jvm.stream().filter(o -> "StatefulSet".equals(K8sFiles.kind(o))).findFirst()
                .orElseThrow(), io.fabric8.kubernetes.api.model.apps.StatefulSet.class).getSpec().getTemplate().getSpec()
                .getContainers().get(0);
        assertTrue(jvmContainer.getArgs() == null || jvmContainer.getArgs().isEmpty(),
                "the JVM image's start script takes no JVM options as arguments: " + jvmContainer.getArgs());
        assertTrue(jvmContainer.getEnv().stream().anyMatch(e -> e.getName().equals("JAVA_OPTS_APPEND")
                && e.getValue().equals("-XX:MaxRAMPercentage=50 -XX:+ExitOnOutOfMemoryError")));
    }
}
