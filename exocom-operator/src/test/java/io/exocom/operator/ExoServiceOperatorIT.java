package io.exocom.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.operator.control.ExoServiceReconciler;
import io.exocom.operator.control.OperatorSettings;
import io.exocom.operator.control.RelayEnvironment;
import io.exocom.operator.control.RoutesCompiler;
import io.exocom.operator.model.ExoService;
import io.exocom.operator.model.ExoServiceSpec;
import io.exocom.protocol.routes.RouteTable;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator against a real kube-apiserver: CRD validation, routing table, status, events, printer columns,
 * relay environment by server-side apply, conflicts and deletion.
 */
class ExoServiceOperatorIT {
    static final String NS = "operator-it";
    static final String BROKER_NS = "exocom-operator-it";
    static final String ROUTES = "exocom-routes";

    static TestCluster cluster;
    static KubernetesClient client;
    static ExoComOperator operator;

    @BeforeAll
    static void start() {
        cluster = TestCluster.get();
        client = cluster.client();
        cluster.namespace(NS);
        cluster.namespace(BROKER_NS);
        operator = new ExoComOperator(client, new OperatorSettings(Set.of(NS), BROKER_NS, ROUTES,
                "exocom.exocom-operator-it.svc", 3100), null).start();
    }

    @AfterAll
    static void stop() {
        if (operator != null) {
            operator.close();
        }
    }

    static ExoService exo(String name, String serviceName, List<String> sends, List<String> receives, String workload) {
        ExoService resource = new ExoService();
        resource.setMetadata(new ObjectMetaBuilder().withNamespace(NS).withName(name).build());
        resource.setSpec(new ExoServiceSpec(serviceName, sends, receives, workload));
        return resource;
    }

    static ExoService create(ExoService resource) {
        return client.resources(ExoService.class).inNamespace(NS).resource(resource).create();
    }

    static ExoService get(String name) {
        return client.resources(ExoService.class).inNamespace(NS).withName(name).get();
    }

    static Condition ready(String name) {
        ExoService resource = get(name);
        return resource == null || resource.getStatus() == null ? null : resource.getStatus().condition("Ready");
    }

    static Condition awaitReady(String name, String reason) {
        return Await.until("Ready reason " + reason + " on " + name, TestCluster.timeout(), () -> ready(name),
                c -> c != null && reason.equals(c.getReason()));
    }

    static RouteTable routes() {
        ConfigMap map = client.configMaps().inNamespace(BROKER_NS).withName(ROUTES).get();
        if (map == null) {
            return RouteTable.empty();
        }
        try {
            return RoutesCompiler.parse(map.getData().get(OperatorSettings.ROUTES_KEY));
        } catch (Exception e) {
            throw new AssertionError("the published table does not parse: " + e.getMessage(), e);
        }
    }

    static String routesYaml() {
        ConfigMap map = client.configMaps().inNamespace(BROKER_NS).withName(ROUTES).get();
        return map == null ? "" : map.getData().get(OperatorSettings.ROUTES_KEY);
    }

    static Deployment deployment(String name, Map<String, String> userEnv) {
        return new DeploymentBuilder().withNewMetadata().withNamespace(NS).withName(name).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName("main").withImage("example/" + name + ":1")
                .withEnv(userEnv.entrySet().stream().map(e -> new EnvVar(e.getKey(), e.getValue(), null)).toList())
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    /** Creates a Deployment the way `kubectl apply --server-side` does: as its own field manager. */
    static Deployment applyAsUser(Deployment deployment) {
        return client.apps().deployments().inNamespace(NS).resource(deployment).fieldManager("kubectl").forceConflicts()
                .serverSideApply();
    }

    static Map<String, String> env(String deployment) {
        Deployment current = client.apps().deployments().inNamespace(NS).withName(deployment).get();
        return current.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .collect(Collectors.toMap(EnvVar::getName, e -> e.getValue() == null ? "" : e.getValue()));
    }

    static String hash(String deployment) {
        Map<String, String> annotations = client.apps().deployments().inNamespace(NS).withName(deployment).get()
                .getSpec().getTemplate().getMetadata().getAnnotations();
        return annotations == null ? null : annotations.get(RelayEnvironment.HASH_ANNOTATION);
    }

    static List<Event> events(String name) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName()) && "ExoService".equals(e.getInvolvedObject().getKind()))
                .toList();
    }

    @Test
    void aRoutedServiceIsInTheTableWithReadyStatusEventsAndPrinterColumns() throws Exception {
        create(exo("todos", null, List.of("todos.listed", "todos.created"), List.of("todos.list", "todos.create"), null));
        Condition condition = awaitReady("todos", ExoServiceReconciler.ROUTED);
        assertEquals("True", condition.getStatus());
        assertTrue(condition.getMessage().contains("Routed as service \"todos\""), condition.getMessage());
        ExoService resource = get("todos");
        assertEquals(resource.getMetadata().getGeneration(), resource.getStatus().getObservedGeneration());
        assertEquals("todos", resource.getStatus().getServiceName());

        RouteTable table = Await.until("todos in the routing table", TestCluster.timeout(), ExoServiceOperatorIT::routes,
                t -> t.isKnown("todos"));
        assertEquals(List.of("todos"), table.receiversOf("todos.create"));
        assertTrue(table.maySend("todos", "todos.listed"));

        List<Event> events = Await.until("a Routed event", TestCluster.timeout(), () -> events("todos"),
                list -> list.stream().anyMatch(e -> "Routed".equals(e.getReason())));
        assertTrue(events.stream().anyMatch(e -> "Normal".equals(e.getType()) && e.getMessage().contains("todos")));

        // what kubectl get exoservices prints: the server-side Table with the CRD's printer columns
        HttpRequest request = client.getHttpClient().newHttpRequestBuilder()
                .uri(cluster.server().replaceAll("/$", "") + "/apis/exocom.io/v1alpha1/namespaces/" + NS + "/exoservices")
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build();
        HttpResponse<String> response = client.getHttpClient().sendAsync(request, String.class).get();
        JsonNode tableJson = new ObjectMapper().readTree(response.body());
        List<String> columns = new java.util.ArrayList<>();
        tableJson.path("columnDefinitions").forEach(c -> { if (c.path("priority").asInt() == 0) columns.add(c.path("name").asText()); });
        assertEquals(List.of("Name", "Service", "Sends", "Receives", "Ready", "Age"), columns, response.body());
        JsonNode row = null;
        for (JsonNode r : tableJson.path("rows")) {
            if (r.path("cells").get(0).asText().equals("todos")) {
                row = r;
            }
        }
        assertNotNull(row, response.body());
        assertEquals("todos", row.path("cells").get(1).asText());
        assertEquals("[\"todos.listed\",\"todos.created\"]", row.path("cells").get(2).asText());
        assertEquals("[\"todos.list\",\"todos.create\"]", row.path("cells").get(3).asText());
        assertEquals("True", row.path("cells").get(4).asText());
    }

    @Test
    void theSchemaAndItsRulesRejectInvalidSpecs() {
        record Case(ExoService resource, String expected) {
        }
        List<Case> cases = List.of(
                new Case(exo("bad-name", "-web", List.of("a.b"), List.of(), null), "spec.serviceName"),
                new Case(exo("bad-message", null, List.of("bell\u0007"), List.of(), null), "spec.sends[0]"),
                new Case(exo("long-message", null, List.of("x".repeat(201)), List.of(), null), "spec.sends[0]"),
                new Case(exo("nothing", null, List.of(), List.of(), null), "at least one message name"),
                new Case(exo("bad-workload", null, List.of("a.b"), List.of(), "Not_A_Deployment"), "spec.workload"),
                new Case(exo("n" + "x".repeat(70), null, List.of("a.b"), List.of(), null), "set spec.serviceName"));
        for (Case c : cases) {
            KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> create(c.resource()),
                    c.resource().getMetadata().getName());
            assertEquals(422, e.getCode(), e.getMessage());
            assertTrue(e.getMessage().contains(c.expected()), c.expected() + " in: " + e.getMessage());
        }
        ExoService noSpec = exo("no-spec", null, null, null, null);
        noSpec.setSpec(null);
        assertEquals(422, assertThrows(KubernetesClientException.class, () -> create(noSpec)).getCode());
    }

    @Test
    void theOlderClaimWinsAConflictAndTheYoungerTakesOverWhenItGoes() {
        create(exo("billing", null, List.of("bill.sent"), List.of("bill.send"), null));
        awaitReady("billing", ExoServiceReconciler.ROUTED);
        create(exo("billing-copy", "billing", List.of("copy.sent"), List.of("copy.send"), null));
        Condition conflict = awaitReady("billing-copy", ExoServiceReconciler.CONFLICT);
        assertEquals("False", conflict.getStatus());
        assertTrue(conflict.getMessage().contains(NS + "/billing"), conflict.getMessage());
        Await.until("a Conflict warning event", TestCluster.timeout(), () -> events("billing-copy"),
                list -> list.stream().anyMatch(e -> "Conflict".equals(e.getReason()) && "Warning".equals(e.getType())));
        RouteTable table = routes();
        assertEquals(List.of("billing"), table.receiversOf("bill.send"));
        assertTrue(table.receiversOf("copy.send").isEmpty(), "the younger claim is not routed");

        client.resources(ExoService.class).inNamespace(NS).withName("billing").delete();
        awaitReady("billing-copy", ExoServiceReconciler.ROUTED);
        Await.until("the younger claim's routes", TestCluster.timeout(), ExoServiceOperatorIT::routes,
                t -> t.receiversOf("copy.send").equals(List.of("billing")) && t.receiversOf("bill.send").isEmpty());
    }

    @Test
    void theWorkloadGetsTheRelayEnvironmentBesideTheUsersOwnFieldsAndLosesItOnDeletion() {
        applyAsUser(deployment("shop", Map.of("LOG_LEVEL", "debug")));
        create(exo("shop", null, List.of("shop.bought"), List.of("shop.buy"), "shop"));
        awaitReady("shop", ExoServiceReconciler.ROUTED);
        Map<String, String> env = Await.until("relay env on Deployment shop", TestCluster.timeout(), () -> env("shop"),
                e -> e.containsKey("SERVICE_NAME"));
        assertEquals(Map.of("LOG_LEVEL", "debug", "EXOCOM_HOST", "exocom.exocom-operator-it.svc", "EXOCOM_PORT", "3100",
                "SERVICE_NAME", "shop", "EXOCOM_TOKEN_FILE", RelayEnvironment.TOKEN_FILE), env);
        // the pods get a token of audience exocom for their ServiceAccount, and the label the broker's policy admits
        Deployment shop = client.apps().deployments().inNamespace(NS).withName("shop").get();
        var volume = shop.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> RelayEnvironment.TOKEN_VOLUME.equals(v.getName())).findFirst().orElseThrow();
        var token = volume.getProjected().getSources().get(0).getServiceAccountToken();
        assertEquals("exocom", token.getAudience());
        assertEquals(600L, token.getExpirationSeconds());
        assertEquals("token", token.getPath());
        var mount = shop.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts().get(0);
        assertEquals(RelayEnvironment.TOKEN_DIR, mount.getMountPath());
        assertTrue(mount.getReadOnly());
        assertEquals("shop", shop.getSpec().getTemplate().getMetadata().getLabels().get(RelayEnvironment.SERVICE_LABEL));
        // the routes tell the broker which ServiceAccount proves the service: the Deployment's, here "default"
        Await.until("shop's ServiceAccount in the routes", TestCluster.timeout(), ExoServiceOperatorIT::routes,
                table -> (NS + "/default").equals(table.serviceAccountOf("shop")));
        String firstHash = hash("shop");
        assertNotNull(firstHash, "the pod template carries the config hash, so pods roll when it changes");

        // the user applies their manifest again with a changed value of their own: both sides keep their fields
        applyAsUser(deployment("shop", Map.of("LOG_LEVEL", "info")));
        Await.until("user change kept beside the relay env", TestCluster.timeout(), () -> env("shop"),
                e -> "info".equals(e.get("LOG_LEVEL")) && "shop".equals(e.get("SERVICE_NAME")));

        // a new service name changes SERVICE_NAME and the hash: the pods would roll
        ExoService renamed = get("shop");
        renamed.getSpec().setServiceName("shop-v2");
        client.resources(ExoService.class).inNamespace(NS).resource(renamed).update();
        Await.until("SERVICE_NAME shop-v2", TestCluster.timeout(), () -> env("shop"), e -> "shop-v2".equals(e.get("SERVICE_NAME")));
        assertFalse(firstHash.equals(hash("shop")), "the config hash changed");
        Await.until("a RelayEnvironmentSet event", TestCluster.timeout(), () -> events("shop"),
                list -> list.stream().anyMatch(e -> "RelayEnvironmentSet".equals(e.getReason())));

        client.resources(ExoService.class).inNamespace(NS).withName("shop").delete();
        Await.until("ExoService shop gone", TestCluster.timeout(), () -> get("shop"), r -> r == null);
        assertEquals(Map.of("LOG_LEVEL", "info"), env("shop"), "only the user's env is left");
        assertEquals(null, hash("shop"));
        Deployment released = client.apps().deployments().inNamespace(NS).withName("shop").get();
        assertTrue(released.getSpec().getTemplate().getSpec().getVolumes() == null
                || released.getSpec().getTemplate().getSpec().getVolumes().isEmpty(), "the token volume is gone");
        assertFalse(routes().isKnown("shop-v2"), "its routes are gone");
    }

    @Test
    void aDeploymentThatAppearsLaterGetsItsEnvironment() {
        create(exo("late", null, List.of("late.done"), List.of("late.do"), "late"));
        Condition waiting = awaitReady("late", ExoServiceReconciler.WORKLOAD_NOT_FOUND);
        assertEquals("False", waiting.getStatus());
        assertTrue(waiting.getMessage().contains("Deployment " + NS + "/late"), waiting.getMessage());
        assertTrue(routes().isKnown("late"), "routed even while its workload is missing");

        applyAsUser(deployment("late", Map.of()));
        awaitReady("late", ExoServiceReconciler.ROUTED);
        assertEquals("late", Await.until("SERVICE_NAME on late", TestCluster.timeout(), () -> env("late"),
                e -> e.containsKey("SERVICE_NAME")).get("SERVICE_NAME"));
    }

    @Test
    void anExplicitServiceAccountNameIsPublishedAndOneFromThePodTemplateOtherwise() {
        Deployment runsAsBilling = deployment("invoices", Map.of());
        runsAsBilling.getSpec().getTemplate().getSpec().setServiceAccountName("billing-sa");
        applyAsUser(runsAsBilling);
        create(exo("invoices", null, List.of("invoice.sent"), List.of("invoice.send"), "invoices"));
        ExoService explicit = exo("ledger", null, List.of("ledger.booked"), List.of("ledger.book"), null);
        explicit.getSpec().setServiceAccountName("ledger-sa");
        create(explicit);
        create(exo("nobody", null, List.of("nobody.did"), List.of("nobody.do"), null));
        var table = Await.until("both ServiceAccounts in the routes", TestCluster.timeout(),
                ExoServiceOperatorIT::routes, t -> (NS + "/billing-sa").equals(t.serviceAccountOf("invoices"))
                        && (NS + "/ledger-sa").equals(t.serviceAccountOf("ledger")) && t.isKnown("nobody"));
        assertEquals("", table.serviceAccountOf("nobody"), "no workload and no name: no ServiceAccount\n" + routesYaml());
        assertTrue(routes().isKnown("invoices"), "the broker's parser still reads the table");

        ExoService bad = exo("bad-account", null, List.of("a.b"), List.of(), null);
        bad.getSpec().setServiceAccountName("Not_A_Name");
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> create(bad));
        assertEquals(422, e.getCode());
        assertTrue(e.getMessage().contains("spec.serviceAccountName"), e.getMessage());
    }

    @Test
    void aFieldAnotherManagerOwnsIsReportedNotTakenOver() {
        // the user's manifest sets SERVICE_NAME itself, differently
        applyAsUser(deployment("legacy", Map.of("SERVICE_NAME", "something-else")));
        create(exo("legacy", null, List.of("legacy.done"), List.of("legacy.do"), "legacy"));
        Condition condition = awaitReady("legacy", ExoServiceReconciler.WORKLOAD_FIELD_CONFLICT);
        assertEquals("False", condition.getStatus());
        assertTrue(condition.getMessage().contains("Deployment legacy"), condition.getMessage());
        assertEquals("something-else", env("legacy").get("SERVICE_NAME"), "the user's value stays");
    }

    @Test
    void deletingAnExoServiceWhoseDeploymentIsGoneDoesNotHang() {
        applyAsUser(deployment("gone", Map.of()));
        create(exo("gone", null, List.of("gone.done"), List.of("gone.do"), "gone"));
        Await.until("SERVICE_NAME on gone", TestCluster.timeout(), () -> env("gone"), e -> e.containsKey("SERVICE_NAME"));
        client.apps().deployments().inNamespace(NS).withName("gone").delete();
        Await.until("Deployment gone deleted", TestCluster.timeout(),
                () -> client.apps().deployments().inNamespace(NS).withName("gone").get(), d -> d == null);
        client.resources(ExoService.class).inNamespace(NS).withName("gone").delete();
        Await.until("ExoService gone deleted despite its missing Deployment", TestCluster.timeout(), () -> get("gone"),
                r -> r == null);
        Await.until("routes of gone removed", TestCluster.timeout(), ExoServiceOperatorIT::routes, t -> !t.isKnown("gone"));
    }

}
