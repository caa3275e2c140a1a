package io.exocom.broker;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real kube-apiserver for the broker's tests, started once per test JVM with k8s/test-cluster/cluster.sh (as
 * the operator's tests do) and stopped when the JVM exits. Tests are skipped only when the script is absent.
 */
public final class KubeTestCluster {
    private static KubeTestCluster instance;

    private final Path dir;
    private final KubernetesClient client;

    private KubeTestCluster(Path dir, Path kubeconfig) throws IOException {
        this.dir = dir;
        Config config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
        config.setRequestTimeout(30_000);
        this.client = new KubernetesClientBuilder().withConfig(config).build();
    }

    /**
     * Quarkus loads test classes in more than one class loader (a profile's overrides are read at build and at
     * start), so the one cluster of the JVM is found through a system property, not only a static field.
     */
    private static final String DIR_PROPERTY = "exocomtest.cluster.dir";

    public static synchronized KubeTestCluster get() {
        if (instance == null && System.getProperty(DIR_PROPERTY) != null) {
            Path dir = Path.of(System.getProperty(DIR_PROPERTY));
            try {
                instance = new KubeTestCluster(dir, dir.resolve("kubeconfig"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        if (instance == null) {
            Path script = Path.of(System.getProperty("exocom.cluster.script", "../k8s/test-cluster/cluster.sh"));
            Assumptions.assumeTrue(Files.isRegularFile(script), "SKIPPED: " + script + " is missing, so there is no real "
                    + "Kubernetes API server to test against");
            try {
                instance = start(script);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("cannot start the test cluster with " + script + ": " + e.getMessage(), e);
            }
        }
        return instance;
    }

    private static KubeTestCluster start(Path script) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("exocom-broker-cluster");
        Path log = Files.createTempFile("exocom-cluster-start", ".log");
        Process process = new ProcessBuilder("bash", script.toString(), "start", dir.toString())
                .redirectError(log.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(40, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IOException("cluster.sh start failed: " + out + Files.readString(log));
        }
        Map<String, String> env = new HashMap<>();
        for (String line : out.split("\n")) {
            String text = line.startsWith("export ") ? line.substring(7) : line;
            int eq = text.indexOf('=');
            if (eq > 0) {
                env.put(text.substring(0, eq), text.substring(eq + 1).replaceAll("^'|'$", ""));
            }
        }
        if (!env.containsKey("KUBECONFIG")) {
            throw new IOException("cluster.sh start printed no KUBECONFIG line: " + out);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                new ProcessBuilder("bash", script.toString(), "stop", dir.toString()).inheritIO().start().waitFor(60, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException ignored) {
                // the JVM is going away; the directory is in the temp folder
            }
        }));
        System.setProperty(DIR_PROPERTY, dir.toString());
        return new KubeTestCluster(dir, Path.of(env.get("KUBECONFIG")));
    }

    /** A name made once per JVM for {@code key}, the same in every class loader. */
    public static String oncePerJvm(String key, java.util.function.Supplier<String> make) {
        synchronized (System.class) {
            String known = System.getProperty("exocomtest.once." + key);
            if (known == null) {
                known = make.get();
                System.setProperty("exocomtest.once." + key, known);
            }
            return known;
        }
    }

    public KubernetesClient client() {
        return client;
    }

    public Path dir() {
        return dir;
    }

    /** What the broker's Kubernetes client needs to reach this API server as its admin. */
    public Map<String, String> brokerClientSettings() {
        try {
            return Map.of("quarkus.kubernetes-client.api-server-url", client.getMasterUrl().toString(),
                    "quarkus.kubernetes-client.token", Files.readString(dir.resolve("admin.token")).trim(),
                    "quarkus.kubernetes-client.ca-cert-file", dir.resolve("pki/ca.crt").toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates a namespace (no namespace controller: tests never delete them). */
    public String namespace(String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .serverSideApply();
        return name;
    }

    public void serviceAccount(String namespace, String name) {
        client.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName(name).withNamespace(namespace).endMetadata().build()).serverSideApply();
    }

    /** A Role in {@code namespace} granting {@code verb} on {@code brokers/<subresource>} of exocom.io, bound to the account. */
    public void grant(String namespace, String serviceAccount, String verb, String subresource) {
        String name = serviceAccount + "-" + verb + "-" + subresource;
        client.rbac().roles().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.rbac.RoleBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .addNewRule().withApiGroups("exocom.io").withResources("brokers/" + subresource).withVerbs(verb).endRule()
                .build()).serverSideApply();
        client.rbac().roleBindings().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(name).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(serviceAccount).withNamespace(namespace).endSubject()
                .build()).serverSideApply();
    }

    /** A real ServiceAccount token from the TokenRequest API, as the kubelet projects into a pod. */
    public String token(String namespace, String serviceAccount, String audience) {
        return client.serviceAccounts().inNamespace(namespace).withName(serviceAccount).tokenRequest(
                new TokenRequestBuilder().withNewSpec().withAudiences(List.of(audience)).withExpirationSeconds(600L)
                        .endSpec().build()).getStatus().getToken();
    }
}
