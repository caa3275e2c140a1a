package io.exocom.operator;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real kube-apiserver and etcd for the tests, started once per test JVM through k8s/test-cluster/cluster.sh
 * (which builds them on first use) and stopped when the JVM exits. The CRD checked in at k8s/crds/ is applied
 * to it, so the API server validates the file users install. Tests are skipped only when the script is absent.
 */
public final class TestCluster {
    private static TestCluster instance;

    private final Path dir;
    private final Map<String, String> env;
    private final KubernetesClient client;

    private TestCluster(Path dir, Map<String, String> env) throws IOException {
        this.dir = dir;
        this.env = env;
        Path kubeconfig = Path.of(env.get("KUBECONFIG"));
        Config config = Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
        config.setRequestTimeout(30_000);
        this.client = new KubernetesClientBuilder().withConfig(config).build();
    }

    public static synchronized TestCluster get() {
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

    private static TestCluster start(Path script) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("exocom-operator-cluster");
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
        TestCluster cluster = new TestCluster(dir, env);
        cluster.applyCrd();
        return cluster;
    }

    private void applyCrd() throws IOException {
        byte[] crd = Files.readAllBytes(CrdFile.checkedIn());
        CustomResourceDefinition applied = client.apiextensions().v1().customResourceDefinitions()
                .load(new ByteArrayInputStream(crd)).serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().withName(applied.getMetadata().getName())
                .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null
                        && c.getStatus().getConditions().stream().anyMatch(x -> x.getType().equals("Established")
                        && x.getStatus().equals("True")), 60, TimeUnit.SECONDS);
    }

    public KubernetesClient client() {
        return client;
    }

    public Path kubeconfig() {
        return Path.of(env.get("KUBECONFIG"));
    }

    public String server() {
        return client.getMasterUrl().toString();
    }

    public Path dir() {
        return dir;
    }

    /** The directory of the cluster's binaries (helm is there). */
    public Path bin() {
        return Path.of(env.get("EXOCOM_TEST_CLUSTER_BIN"));
    }

    /** Creates a namespace with these labels (e.g. a Pod Security level to enforce). */
    public String namespace(String name, Map<String, String> labels) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels)
                .endMetadata().build()).serverSideApply();
        return name;
    }

    /** Creates a namespace (there is no namespace controller, so tests never delete them). */
    public String namespace(String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .serverSideApply();
        return name;
    }

    public static Duration timeout() {
        return Duration.ofSeconds(30);
    }
}
