package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.restassured.http.ContentType;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** With a tokens file, relays and HTTP clients prove which service they are. */
@QuarkusTest
@TestProfile(AuthenticationTest.WithTokens.class)
class AuthenticationTest extends BrokerTestSupport {

    public static class WithTokens implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path tokens = Path.of("target", "test-tokens.properties").toAbsolutePath();
                Files.createDirectories(tokens.getParent());
                Files.writeString(tokens, "web=web-secret\ntodos=todos-secret\n");
                return Map.of("exocom.tokens-file", tokens.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void aWrongOrMissingTokenIsRefusedAndClosedWith4401() throws Exception {
        for (String frame : new String[]{
                "{\"type\":\"register\",\"service\":\"web\",\"token\":\"guess\"}",
                "{\"type\":\"register\",\"service\":\"web\"}",
                "{\"type\":\"register\",\"service\":\"todos\",\"token\":\"web-secret\"}"}) {
            try (WsRelay relay = WsRelay.connect(ws())) {
                relay.sendText(frame);
                assertError(relay.next(), "unauthenticated");
                assertEquals(4401, relay.awaitClose());
            }
        }
    }

    @Test
    void theRightTokenRegistersAndTheSenderComesFromIt() throws Exception {
        try (WsRelay todos = WsRelay.connect(ws())) {
            todos.sendText("{\"type\":\"register\",\"service\":\"todos\",\"token\":\"todos-secret\",\"receives\":[\"todos.list\"]}");
            assertEquals("registered", todos.next().path("type").asText());

            given().contentType(ContentType.JSON).header("Authorization", "Bearer web-secret")
                    .body("{\"name\":\"todos.list\",\"sender\":\"todos\"}") // the body's sender is ignored
                    .post("/messages").then().statusCode(202);
            JsonNode delivered = todos.delivery();
            assertEquals("web", delivered.path("message").path("sender").asText());
            todos.ack(idOf(delivered));

            given().contentType(ContentType.JSON).body("{\"name\":\"todos.list\",\"sender\":\"web\"}").post("/messages")
                    .then().statusCode(401).body("code", equalTo("unauthenticated"));
            given().contentType(ContentType.JSON).header("Authorization", "Bearer nope").body("{\"name\":\"todos.list\"}").post("/messages")
                    .then().statusCode(401);
        }
    }
}
