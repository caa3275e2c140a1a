package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every way this test knows for a service to read messages meant for another, or to inject messages it may not
 * send or as someone else, tried over the real wire by a service with a valid token of its own ({@code cron}) and
 * by a client with none. The test fails if any of them works, and names each that did (README, Security).
 */
@QuarkusTest
@TestProfile(SecurityBoundaryTest.Locked.class)
class SecurityBoundaryTest extends BrokerTestSupport {
    static final String SECRET = "the-secret-payload-4711";

    public static class Locked implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path dir = Path.of("target", "security-boundary").toAbsolutePath();
                Files.createDirectories(dir);
                Path routes = dir.resolve("routes.yaml");
                Files.writeString(routes, """
                        services:
                          web:
                            sends: [todos.create]
                            receives: [todos.created]
                          todos:
                            receives: [todos.create]
                            sends: [todos.created]
                          cron:
                            sends: [report.generate]
                          reports:
                            receives: [report.generate]
                        """);
                Path tokens = dir.resolve("tokens.properties");
                Files.writeString(tokens, "web=web-secret\ntodos=todos-secret\ncron=cron-secret\nreports=reports-secret\n@ops=ops-secret\n");
                return Map.of("exocom.routes", routes.toString(), "exocom.tokens-file", tokens.toString(),
                        "exocom.ack-timeout", "2s", "exocom.registration-timeout", "5s");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private WsRelay register(String service, String token, String... receives) throws Exception {
        WsRelay relay = WsRelay.connect(ws());
        ObjectNode frame = WsRelay.JSON.createObjectNode().put("type", "register").put("service", service)
                .put("token", token).put("protocol", "1.1");
        for (String name : receives) {
            frame.withArray("receives").add(name);
        }
        relay.sendFrame(frame);
        JsonNode answer = relay.next();
        assertEquals("registered", answer.path("type").asText(), answer.toString());
        return relay;
    }

    /** What a refused registration looks like: an error and the connection closed. */
    private String registrationBreach(String what, String frame) throws Exception {
        try (WsRelay relay = WsRelay.connect(ws())) {
            relay.sendText(frame);
            JsonNode answer = relay.next();
            return answer.path("type").asText().equals("registered") ? what + ": " + answer : null;
        }
    }

    @Test
    void noServiceCanReadOrInjectMessagesItShouldNot() throws Exception {
        List<String> breaches = new ArrayList<>();
        try (WsRelay todos = register("todos", "todos-secret", "todos.create");
             WsRelay web = register("web", "web-secret", "todos.created");
             WsRelay reports = register("reports", "reports-secret", "report.generate");
             WsRelay cron = register("cron", "cron-secret", "todos.create", "report.generate", "todos.created")) {

            // --- reading what is meant for another service
            add(breaches, registrationBreach("cron registered as todos with its own token",
                    "{\"type\":\"register\",\"service\":\"todos\",\"token\":\"cron-secret\",\"instance\":\"todos-x\"}"));
            add(breaches, registrationBreach("a client registered as todos without a token",
                    "{\"type\":\"register\",\"service\":\"todos\"}"));
            add(breaches, registrationBreach("a client registered as todos with a guessed token",
                    "{\"type\":\"register\",\"service\":\"todos\",\"token\":\"todos-secret \"}"));
            String command = web.command("todos.create", Map.of("secret", SECRET));
            JsonNode delivered = todos.delivery();
            JsonNode leaked = cron.poll(Duration.ofMillis(500), "deliver");
            if (leaked != null) {
                breaches.add("cron, declaring todos.create among its receives, got a copy: " + leaked);
            }
            // cron acks and nacks todos' delivery: todos must still hold it
            cron.ack(command);
            cron.sendText("{\"type\":\"nack\",\"id\":\"" + command + "\",\"requeue\":false}");
            JsonNode again = todos.poll(Duration.ofSeconds(6), "deliver");
            if (again == null || again.path("attempt").asInt() != 2) {
                breaches.add("cron's ack or nack of todos' delivery changed it: todos got " + again + " instead of attempt 2");
            }
            todos.ack(command);
            // a reply from cron to the command delivered to todos
            JsonNode reply = cron.reply(command, "todos.created", Map.of("forged", true), true);
            if (reply.path("type").asText().equals("accepted")) {
                breaches.add("cron's reply to todos' command was accepted: " + reply);
            }
            JsonNode forgedReply = web.poll(Duration.ofMillis(300), "deliver");
            if (forgedReply != null) {
                breaches.add("web got a reply cron forged: " + forgedReply);
            }

            // --- injecting what it may not send, or as someone else
            ObjectNode spoofed = WsRelay.message("report.generate", "spoof-1", Map.of()).put("sender", "web");
            cron.sendMessage(spoofed);
            cron.next("accepted", "rejected");
            JsonNode report = reports.delivery();
            if (!report.path("message").path("sender").asText().equals("cron")) {
                breaches.add("the sender a relay claims was believed: " + report);
            }
            reports.ack(idOf(report));
            ObjectNode asTodos = WsRelay.message("todos.create", "inject-1", Map.of());
            cron.sendMessage(asTodos);
            JsonNode refused = cron.next("accepted", "rejected");
            if (!refused.path("code").asText().equals("forbidden")) {
                breaches.add("cron sent todos.create, which its routes do not grant: " + refused);
            }
            if (todos.poll(Duration.ofMillis(300), "deliver") != null) {
                breaches.add("todos got a message cron may not send");
            }
            for (String[] attempt : new String[][]{
                    {"cron-secret", "{\"name\":\"todos.create\",\"sender\":\"web\"}", "cron's token with the body naming web"},
                    {null, "{\"name\":\"todos.create\",\"sender\":\"web\"}", "no token with the body naming web"},
                    {"ops-secret", "{\"name\":\"todos.create\",\"sender\":\"web\"}", "the admin token"}}) {
                var request = given().contentType(ContentType.JSON).body(attempt[1]);
                if (attempt[0] != null) {
                    request = request.header("Authorization", "Bearer " + attempt[0]);
                }
                int status = request.post("/messages").statusCode();
                if (status < 400) {
                    breaches.add("POST /messages with " + attempt[2] + " was accepted (" + status + ")");
                }
            }
            if (todos.poll(Duration.ofMillis(300), "deliver") != null) {
                breaches.add("todos got a message injected over HTTP");
            }

            // --- the admin API with a service's token or none
            for (String[] endpoint : new String[][]{{"GET", "/queues?peek=10"}, {"GET", "/dead-letters"},
                    {"GET", "/routes"}, {"GET", "/services"}, {"POST", "/dead-letters/x/replay"}, {"DELETE", "/dead-letters/x"}}) {
                for (String token : new String[]{null, "cron-secret", "todos-secret"}) {
                    var request = token == null ? given() : given().header("Authorization", "Bearer " + token);
                    int status = switch (endpoint[0]) {
                        case "GET" -> request.get(endpoint[1]).statusCode();
                        case "POST" -> request.post(endpoint[1]).statusCode();
                        default -> request.delete(endpoint[1]).statusCode();
                    };
                    if (status != 401 && status != 403) {
                        breaches.add(endpoint[0] + " " + endpoint[1] + " with " + (token == null ? "no token" : token)
                                + " gave " + status);
                    }
                }
            }
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            if (metrics.contains(SECRET)) {
                breaches.add("/q/metrics, open without a credential, shows a payload");
            }

            // --- a web page in a developer's browser
            int browser = given().header("Upgrade", "websocket").header("Connection", "Upgrade")
                    .header("Sec-WebSocket-Version", "13").header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                    .header("Origin", "https://evil.example").get("/services").statusCode();
            if (browser != 403) {
                breaches.add("a WebSocket from a web page's origin was not refused (" + browser + ")");
            }

            // --- frames before registering
            try (WsRelay early = WsRelay.connect(ws())) {
                early.sendMessage(WsRelay.message("todos.create", "early-1", Map.of()));
                JsonNode answer = early.next();
                if (!answer.path("code").asText().equals("not-registered")) {
                    breaches.add("a send before registering got " + answer);
                }
            }
            if (todos.poll(Duration.ofMillis(300), "deliver") != null) {
                breaches.add("todos got a message sent before registration");
            }
            assertTrue(todos.isClosed() == false, "todos' own connection stayed up through all this");
        }
        assertEquals(List.of(), breaches, "ways to read or inject messages that worked");
    }

    private static void add(List<String> breaches, String breach) {
        if (breach != null) {
            breaches.add(breach);
        }
    }
}
