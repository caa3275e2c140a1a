package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EXOCOM_AUTH_KUBERNETES against a real kube-apiserver: relays prove their service with real ServiceAccount tokens
 * (TokenRequest), which the broker checks with a TokenReview and maps to services by the routes' serviceAccount.
 */
@QuarkusTest
@TestProfile(KubernetesIdentityTest.WithKubernetes.class)
class KubernetesIdentityTest extends BrokerTestSupport {
    static final String NAMESPACE = KubeTestCluster.oncePerJvm("identity-namespace",
            () -> "auth-" + UUID.randomUUID().toString().substring(0, 8));
    static final Path ROUTES = Path.of("target", "k8s-auth-routes.yaml").toAbsolutePath();

    public static class WithKubernetes implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            KubeTestCluster cluster = KubeTestCluster.get();
            cluster.namespace(NAMESPACE);
            for (String account : new String[]{"web-sa", "todos-sa", "stranger", "viewer", "reader", "replayer", "discarder"}) {
                cluster.serviceAccount(NAMESPACE, account);
            }
            cluster.grant(NAMESPACE, "viewer", "get", "views");
            cluster.grant(NAMESPACE, "reader", "get", "payloads");
            cluster.grant(NAMESPACE, "replayer", "update", "dead-letters");
            cluster.grant(NAMESPACE, "discarder", "delete", "dead-letters");
            try {
                Files.writeString(ROUTES, """
                        services:
                          web:
                            sends: [todos.create]
                            serviceAccount: %1$s/web-sa
                          todos:
                            receives: [todos.create]
                            serviceAccount: %1$s/todos-sa
                          nameless:
                            sends: [todos.create]
                        """.formatted(NAMESPACE));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Map<String, String> settings = new HashMap<>(cluster.brokerClientSettings());
            settings.put("exocom.routes", ROUTES.toString());
            settings.put("exocom.auth-kubernetes", "true");
            settings.put("exocom.alarm-threshold", "3");
            settings.put("quarkus.kubernetes-client.namespace", NAMESPACE); // the broker's own namespace, as in a pod
            return settings;
        }
    }

    private static String token(String account, String audience) {
        return KubeTestCluster.get().token(NAMESPACE, account, audience);
    }

    private JsonNode register(WsRelay relay, String service, String token) throws Exception {
        ObjectNode frame = WsRelay.JSON.createObjectNode().put("type", "register").put("service", service).put("token", token);
        relay.sendFrame(frame);
        return relay.next();
    }

    private void assertRefused(String service, String token, String because) throws Exception {
        try (WsRelay relay = WsRelay.connect(ws())) {
            JsonNode answer = register(relay, service, token);
            assertError(answer, "unauthenticated");
            assertTrue(answer.path("message").asText().contains(because), answer.toString());
            assertEquals(4401, relay.awaitClose());
        }
    }

    private static double metric(String name) {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.eE+]+)$").matcher(text);
        return matcher.find() ? Double.parseDouble(matcher.group(2)) : 0;
    }

    @Test
    void theTokenOfTheServicesServiceAccountRegistersAndIsReviewedOnceForManyConnections() throws Exception {
        String token = token("web-sa", "exocom");
        double before = metric("exocom_token_reviews_total");
        for (int i = 0; i < 3; i++) {
            try (WsRelay relay = WsRelay.connect(ws())) {
                assertEquals("registered", register(relay, "web", token).path("type").asText());
            }
        }
        assertEquals(before + 1, metric("exocom_token_reviews_total"), "one TokenReview for three connections with one token");

        // the kubelet rotates the token: the new one works as well, after its own review
        String rotated = token("web-sa", "exocom");
        try (WsRelay relay = WsRelay.connect(ws())) {
            assertEquals("registered", register(relay, "web", rotated).path("type").asText());
        }
        assertEquals(before + 2, metric("exocom_token_reviews_total"));
    }

    @Test
    void aTokenOfAnotherServiceAccountIsRefusedNamingBoth() throws Exception {
        assertRefused("web", token("todos-sa", "exocom"), "ServiceAccount " + NAMESPACE + "/todos-sa may not register as service web");
        assertRefused("web", token("stranger", "exocom"), "ServiceAccount " + NAMESPACE + "/stranger may not register as service web");
        assertRefused("nameless", token("web-sa", "exocom"), "the routes name no ServiceAccount for nameless");
    }

    @Test
    void aTokenForAnotherAudienceIsRefusedWithoutAskingTheApiServer() throws Exception {
        double before = metric("exocom_token_reviews_total");
        assertRefused("web", token("web-sa", "some-other-api"), "do not include exocom");
        assertEquals(before, metric("exocom_token_reviews_total"));
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        double before = metric("exocom_token_reviews_total");
        assertRefused("web", expired(token("web-sa", "exocom")), "has expired");
        assertEquals(before, metric("exocom_token_reviews_total"), "a token that says it expired is not even reviewed");
    }

    @Test
    void aForgedOrMissingTokenIsRefused() throws Exception {
        String real = token("web-sa", "exocom");
        String[] parts = real.split("\\.");
        String tampered = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();
        assertRefused("web", tampered, "did not accept the token");
        assertRefused("web", "not-a-jwt", "missing or wrong");
    }

    @Test
    void httpSendersProveTheirServiceWithTheirToken() throws Exception {
        try (WsRelay todos = WsRelay.connect(ws())) {
            ObjectNode frame = WsRelay.JSON.createObjectNode().put("type", "register").put("service", "todos")
                    .put("token", token("todos-sa", "exocom")).put("protocol", "1.1");
            frame.putArray("receives").add("todos.create");
            todos.sendFrame(frame);
            assertEquals("registered", todos.next().path("type").asText());

            given().contentType(ContentType.JSON).header("Authorization", "Bearer " + token("web-sa", "exocom"))
                    .body("{\"name\":\"todos.create\",\"sender\":\"todos\"}") // a claimed sender it cannot prove is ignored
                    .post("/messages").then().statusCode(202);
            JsonNode delivered = todos.delivery();
            assertEquals("web", delivered.path("message").path("sender").asText());
            todos.ack(idOf(delivered));

            given().contentType(ContentType.JSON).header("Authorization", "Bearer " + token("stranger", "exocom"))
                    .body("{\"name\":\"todos.create\"}").post("/messages").then().statusCode(401);
            given().contentType(ContentType.JSON).body("{\"name\":\"todos.create\",\"sender\":\"web\"}").post("/messages")
                    .then().statusCode(401);
        }
    }

    /**
     * A token exactly like a real one, signed with the cluster's ServiceAccount key, whose lifetime ended an hour
     * ago: the API server's own expiry check must refuse it (TokenRequest cannot issue tokens shorter than 10 min).
     */
    private static String expired(String real) throws Exception {
        String[] parts = real.split("\\.");
        ObjectMapper json = new ObjectMapper();
        ObjectNode claims = (ObjectNode) json.readTree(Base64.getUrlDecoder().decode(parts[1]));
        long now = System.currentTimeMillis() / 1000;
        claims.put("iat", now - 7200).put("nbf", now - 7200).put("exp", now - 3600);
        String body = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(json.writeValueAsBytes(claims));
        String pem = Files.readString(KubeTestCluster.get().dir().resolve("pki/sa.key"));
        assertTrue(pem.contains("BEGIN PRIVATE KEY"), "the cluster's key is PKCS#8");
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(key);
        signer.update(body.getBytes(StandardCharsets.US_ASCII));
        return body + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signer.sign());
    }

    @Test
    void repeatedFailedAuthenticationIsAKubernetesEventOnTheExoService() throws Exception {
        String stranger = token("stranger", "exocom");
        for (int i = 0; i < 3; i++) {
            assertRefused("todos", stranger, "may not register as service todos");
        }
        await("a Warning Event on ExoService todos", java.time.Duration.ofSeconds(20), () -> KubeTestCluster.get().client()
                .v1().events().inNamespace(NAMESPACE).list().getItems().stream().anyMatch(event ->
                        "ExoService".equals(event.getInvolvedObject().getKind())
                                && "todos".equals(event.getInvolvedObject().getName())
                                && "FailedAuthentication".equals(event.getReason()) && "Warning".equals(event.getType())
                                && event.getMessage().contains("ServiceAccount " + NAMESPACE + "/stranger")));
    }

    /** Each admin endpoint with the ServiceAccount whose Role grants exactly its right. */
    private static final List<String[]> ADMIN = List.of(
            new String[]{"GET", "/routes", "viewer"}, new String[]{"GET", "/services", "viewer"},
            new String[]{"GET", "/queues", "viewer"}, new String[]{"GET", "/queues?peek=10", "reader"},
            new String[]{"GET", "/dead-letters", "reader"}, new String[]{"GET", "/dead-letters/dl-404", "reader"},
            new String[]{"POST", "/dead-letters/dl-404/replay", "replayer"}, new String[]{"DELETE", "/dead-letters/dl-404", "discarder"});

    private static int call(String[] endpoint, String token) {
        var request = token == null ? given() : given().header("Authorization", "Bearer " + token);
        var response = switch (endpoint[0]) {
            case "GET" -> request.get(endpoint[1]);
            case "POST" -> request.post(endpoint[1]);
            default -> request.delete(endpoint[1]);
        };
        return response.statusCode();
    }

    @Test
    void everyAdminEndpointNeedsAServiceAccountGrantedItsOwnRight() {
        Map<String, String> tokens = new HashMap<>();
        for (String account : List.of("viewer", "reader", "replayer", "discarder", "web-sa")) {
            tokens.put(account, token(account, "exocom"));
        }
        for (String[] endpoint : ADMIN) {
            String what = endpoint[0] + " " + endpoint[1];
            assertEquals(401, call(endpoint, null), what + " without a credential");
            assertEquals(401, call(endpoint, token(endpoint[2], "some-other-api")), what + " with a token for another audience");
            assertEquals(403, call(endpoint, "guess"), what + " with a token that is none");
            assertEquals(403, call(endpoint, tokens.get("web-sa")), what + " with a service's token and no Role");
            for (String other : List.of("viewer", "reader", "replayer", "discarder")) {
                if (!other.equals(endpoint[2])) {
                    assertEquals(403, call(endpoint, tokens.get(other)), what + " with " + other + "'s right only");
                }
            }
            int granted = call(endpoint, tokens.get(endpoint[2]));
            assertTrue(granted == 200 || granted == 404, what + " with " + endpoint[2] + " gave " + granted);
        }
        String routes = given().header("Authorization", "Bearer " + tokens.get("viewer")).get("/routes").then()
                .statusCode(200).extract().asString();
        assertTrue(routes.contains("\"serviceAccount\":\"" + NAMESPACE + "/web-sa\""), routes);
        given().get("/q/metrics").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }
}
