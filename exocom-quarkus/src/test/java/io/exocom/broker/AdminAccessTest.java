package io.exocom.broker;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/**
 * With authentication on, the views and the dead-letter actions need an admin token (issue 9 item 16): without
 * one, anyone who reaches the port could read other services' messages or inject them again.
 */
@QuarkusTest
@TestProfile(AdminAccessTest.WithAdmin.class)
class AdminAccessTest extends BrokerTestSupport {

    public static class WithAdmin implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path tokens = Path.of("target", "test-admin-tokens.properties").toAbsolutePath();
                Files.createDirectories(tokens.getParent());
                Files.writeString(tokens, "web=web-secret\ntodos=todos-secret\n@ops=ops-secret\n");
                return Map.of("exocom.tokens-file", tokens.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final List<String[]> PROTECTED = List.of(
            new String[]{"GET", "/routes"}, new String[]{"GET", "/services"}, new String[]{"GET", "/queues?peek=10"},
            new String[]{"GET", "/dead-letters"}, new String[]{"GET", "/dead-letters/dl-1"},
            new String[]{"POST", "/dead-letters/dl-1/replay"}, new String[]{"DELETE", "/dead-letters/dl-1"});

    private static io.restassured.response.Response call(RequestSpecification request, String[] endpoint) {
        return switch (endpoint[0]) {
            case "GET" -> request.get(endpoint[1]);
            case "POST" -> request.post(endpoint[1]);
            default -> request.delete(endpoint[1]);
        };
    }

    @Test
    void withoutATokenEveryViewIs401() {
        for (String[] endpoint : PROTECTED) {
            call(given(), endpoint).then().statusCode(401).body("code", equalTo("unauthenticated"));
        }
    }

    @Test
    void aServiceTokenOrAWrongOneIs403Or401() {
        for (String[] endpoint : PROTECTED) {
            call(given().header("Authorization", "Bearer web-secret"), endpoint).then().statusCode(403)
                    .body("code", equalTo("forbidden"));
            call(given().header("Authorization", "Bearer guess"), endpoint).then().statusCode(403);
        }
    }

    @Test
    void theAdminTokenOpensEveryOne() {
        for (String[] endpoint : PROTECTED) {
            int status = call(given().header("Authorization", "Bearer ops-secret"), endpoint).statusCode();
            org.junit.jupiter.api.Assertions.assertTrue(status == 200 || status == 404,
                    endpoint[0] + " " + endpoint[1] + " with the admin token gave " + status);
        }
    }

    @Test
    void theAdminTokenOpensThem() {
        given().header("Authorization", "Bearer ops-secret").get("/routes").then().statusCode(200);
        given().header("Authorization", "Bearer ops-secret").get("/queues?peek=10").then().statusCode(200);
        given().header("Authorization", "Bearer ops-secret").get("/dead-letters").then().statusCode(200);
        given().header("Authorization", "Bearer ops-secret").get("/dead-letters/dl-404").then().statusCode(404);
    }

    @Test
    void anAdminTokenCannotSendAndHealthAndMetricsStayOpen() {
        given().header("Authorization", "Bearer ops-secret").contentType(ContentType.JSON)
                .body("{\"name\":\"todos.list\"}").post("/messages").then().statusCode(401);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }
}
