package io.exocom.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.operator.control.OperatorSettings;
import io.exocom.operator.model.ExoService;
import io.exocom.operator.model.ExoServiceSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged broker, connected to a real API server with a service account that may only read its routes
 * ConfigMap, picks up a route change made through an ExoService while relays stay connected (PROTOCOL §4.6).
 */
class BrokerConfigMapRoutesIT {
    static final String NS = "broker-it";
    static final String BROKER_NS = "exocom-broker-it";
    static final String ROUTES = "exocom-routes";
    static final ObjectMapper JSON = new ObjectMapper();

    static TestCluster cluster;
    static KubernetesClient client;
    static ExoComOperator operator;
    static Process broker;
    static Path brokerLog;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        cluster = TestCluster.get();
        client = cluster.client();
        cluster.namespace(NS);
        cluster.namespace(BROKER_NS);
        operator = new ExoComOperator(client, new OperatorSettings(Set.of(NS), BROKER_NS, ROUTES,
                "exocom." + BROKER_NS + ".svc", 3100), null).start();
        client.resources(ExoService.class).inNamespace(NS).resource(exo("todos", List.of("todos.listed"), List.of("todos.list"))).create();
        // web names its ServiceAccount: its entry then carries serviceAccount, which this broker must read
        ExoService web = exo("web", List.of("todos.create"), List.of());
        web.getSpec().setServiceAccountName("web");
        client.resources(ExoService.class).inNamespace(NS).resource(web).create();
        Await.until("routes of web and todos published", TestCluster.timeout(),
                () -> client.configMaps().inNamespace(BROKER_NS).withName(ROUTES).get(),
                map -> map != null && map.getData().get(OperatorSettings.ROUTES_KEY)
                        .contains("serviceAccount: " + NS + "/web"));

        Path kubeconfig = leastPrivilegeKubeconfig();
        Path jar = Path.of(System.getProperty("exocom.jar", "../exocom-quarkus/target/quarkus-app/quarkus-run.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the reactor builds exocom-quarkus before this module");
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        brokerLog = Files.createTempFile("exocom-broker", ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(brokerLog.toFile());
        builder.environment().put("EXOCOM_PORT", Integer.toString(port));
        builder.environment().put("EXOCOM_HOST_BIND", "127.0.0.1");
        // a journal of its own: the default (exocom-data in the working directory) would outlive the run, and the
        // next run's broker would redeliver what this one left unacknowledged
        builder.environment().put("EXOCOM_DATA_DIR", Files.createTempDirectory("exocom-broker-data").toString());
        builder.environment().put("EXOCOM_ROUTES_CONFIGMAP", BROKER_NS + "/" + ROUTES);
        builder.environment().put("KUBECONFIG", kubeconfig.toString());
        builder.environment().remove("EXOCOM_ROUTES");
        broker = builder.start();
        Await.until("the broker to serve its routes from the ConfigMap", Duration.ofSeconds(60), () -> {
            if (!broker.isAlive()) {
                throw new AssertionError("the broker exited: " + read(brokerLog));
            }
            return get("/routes");
        }, body -> body != null && body.contains("web"));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.destroy();
        }
        if (operator != null) {
            operator.close();
        }
    }

    static ExoService exo(String name, List<String> sends, List<String> receives) {
        ExoService resource = new ExoService();
        resource.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(name).build());
        resource.setSpec(new ExoServiceSpec(null, sends, receives, null));
        return resource;
    }

    /** A kubeconfig for a service account whose Role allows get/list/watch on the routes ConfigMap, nothing else. */
    static Path leastPrivilegeKubeconfig() throws IOException {
        client.serviceAccounts().inNamespace(BROKER_NS).resource(new ServiceAccountBuilder().withNewMetadata()
                .withName("exocom").withNamespace(BROKER_NS).endMetadata().build()).serverSideApply();
        // the same rule as k8s/manifests and the Helm chart give the broker
        client.rbac().roles().inNamespace(BROKER_NS).resource(new RoleBuilder().withNewMetadata().withName("exocom-routes-reader")
                .withNamespace(BROKER_NS).endMetadata().withRules(new PolicyRuleBuilder().withApiGroups("")
                        .withResources("configmaps").withResourceNames(ROUTES).withVerbs("get", "list", "watch").build())
                .build()).serverSideApply();
        client.rbac().roleBindings().inNamespace(BROKER_NS).resource(new RoleBindingBuilder().withNewMetadata()
                .withName("exocom-routes-reader").withNamespace(BROKER_NS).endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "Role", "exocom-routes-reader")
                .addNewSubject().withKind("ServiceAccount").withName("exocom").withNamespace(BROKER_NS).endSubject()
                .build()).serverSideApply();
        TokenRequest token = client.serviceAccounts().inNamespace(BROKER_NS).withName("exocom").tokenRequest(
                new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build());
        String admin = Files.readString(cluster.kubeconfig());
        Matcher ca = Pattern.compile("certificate-authority-data: (\\S+)").matcher(admin);
        assertTrue(ca.find(), "no CA in the test kubeconfig");
        Path file = Files.createTempFile("exocom-broker", ".kubeconfig");
        Files.writeString(file, "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: "
                + cluster.server().replaceAll("/$", "") + "\n    certificate-authority-data: " + ca.group(1)
                + "\nusers:\n- name: exocom\n  user:\n    token: " + token.getStatus().getToken()
                + "\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: exocom\n    namespace: " + BROKER_NS
                + "\ncurrent-context: test\n");
        return file;
    }

    static String get(String path) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(unreadable log: " + e + ")";
        }
    }

    static String sendFrame(String name) {
        return "{\"type\":\"send\",\"message\":{\"name\":\"" + name + "\",\"id\":\"" + UUID.randomUUID() + "\"}}";
    }

    @Test
    void aRouteChangeAppliesWhileRelaysStayConnected() throws Exception {
        JsonNode routes = JSON.readTree(get("/routes"));
        assertTrue(routes.toString().contains("ConfigMap " + BROKER_NS + "/" + ROUTES), routes.toString());

        try (RawRelay todos = new RawRelay(port); RawRelay web = new RawRelay(port)) {
            todos.send("{\"type\":\"register\",\"service\":\"todos\",\"instance\":\"todos-1\"}");
            assertEquals("todos", todos.next("registered").path("service").asText());
            web.send("{\"type\":\"register\",\"service\":\"web\",\"instance\":\"web-1\"}");
            assertEquals("[\"todos.create\"]", web.next("registered").path("sends").toString());

            web.send(sendFrame("todos.list"));
            JsonNode before = web.answer();
            assertEquals("rejected", before.path("type").asText(), before.toString());
            assertEquals("forbidden", before.path("code").asText());

            // a person grants web todos.list by editing its ExoService
            ExoService edited = client.resources(ExoService.class).inNamespace(NS).withName("web").get();
            edited.getSpec().setSends(List.of("todos.create", "todos.list"));
            client.resources(ExoService.class).inNamespace(NS).resource(edited).update();

            JsonNode after = Await.until("web may send todos.list", Duration.ofSeconds(30), () -> {
                try {
                    web.send(sendFrame("todos.list"));
                    return web.answer();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, answer -> answer.path("type").asText().equals("accepted"));
            JsonNode delivery = todos.next("deliver");
            assertEquals("todos.list", delivery.path("message").path("name").asText());
            assertEquals("web", delivery.path("message").path("sender").asText());
            assertEquals(after.path("id").asText(), delivery.path("message").path("id").asText());
            assertNull(web.closedBecause(), "web's connection stayed up");
            assertNull(todos.closedBecause(), "todos' connection stayed up");
        }
        assertTrue(read(brokerLog).contains("routes reloaded from ConfigMap " + BROKER_NS + "/" + ROUTES), read(brokerLog));
    }
}
