package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.get;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replies to commands sent over HTTP (issue 9 item 5, PROTOCOL.md §4.4 and §7): {@code ?wait=} returns them, and
 * without a waiter they never pile up in a queue nobody reads.
 */
@QuarkusTest
@TestProfile(RoutedProfile.class)
class HttpRepliesTest extends BrokerTestSupport {

    private static CompletableFuture<Response> post(String query, String body) {
        return CompletableFuture.supplyAsync(() -> given().contentType(ContentType.JSON).body(body)
                .post("/messages" + query).andReturn());
    }

    @Test
    void waitAnswersWithTheReplyAndItsPartials() throws Exception {
        try (WsRelay calc = WsRelay.register(ws(), "calc", "calc-http-wait")) {
            CompletableFuture<Response> waiting = post("?wait=10s", "{\"name\":\"calc.run\",\"sender\":\"asker\",\"payload\":6}");
            JsonNode command = calc.delivery();
            String id = idOf(command);
            calc.reply(id, "calc.progress", "half", false);
            calc.reply(id, "calc.done", 42, true);
            calc.ack(id);
            Response response = waiting.get(15, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode(), response.asString());
            JsonNode body = WsRelay.JSON.readTree(response.asString());
            assertEquals(id, body.path("id").asText());
            assertEquals("calc.done", body.path("reply").path("name").asText());
            assertEquals(42, body.path("reply").path("payload").asInt());
            assertEquals(1, body.path("partials").size());
            assertEquals("calc.progress", body.path("partials").get(0).path("name").asText());
        }
    }

    @Test
    void whenNoFinalReplyComesInTimeTheAnswerIs202WithWhatCame() throws Exception {
        try (WsRelay calc = WsRelay.register(ws(), "calc", "calc-http-slow")) {
            CompletableFuture<Response> waiting = post("?wait=500ms", "{\"name\":\"calc.run\",\"sender\":\"asker\"}");
            String id = idOf(calc.delivery());
            calc.reply(id, "calc.progress", "started", false);
            Response response = waiting.get(15, TimeUnit.SECONDS);
            assertEquals(202, response.statusCode(), response.asString());
            JsonNode body = WsRelay.JSON.readTree(response.asString());
            assertTrue(body.path("reply").isNull());
            assertEquals(1, body.path("partials").size());
            assertTrue(body.path("message").asText().contains("500 ms"), body.toString());
            JsonNode late = calc.reply(id, "calc.done", 1, true);
            assertEquals("accepted", late.path("type").asText(), "a late reply is still accepted, and dropped");
            calc.ack(id);
        }
    }

    @Test
    void repliesToHttpCommandsNobodyWaitsForNeverFillTheSendersQueue() throws Exception {
        try (WsRelay reporter = WsRelay.register(ws(), "reporter", "reporter-replies")) {
            for (int i = 0; i < RoutedProfile.MAX_QUEUE_DEPTH + 10; i++) {
                given().contentType(ContentType.JSON).body("{\"name\":\"report.generate\",\"sender\":\"cron\"}")
                        .post("/messages").then().statusCode(202);
                String id = idOf(reporter.delivery());
                JsonNode answer = reporter.reply(id, "report.done", i, true);
                assertEquals("accepted", answer.path("type").asText(), answer.toString());
                reporter.ack(id);
            }
            String queues = get("/queues").asString();
            assertTrue(!queues.contains("\"service\":\"cron\"") || queues.matches("(?s).*\"service\":\"cron\",\"depth\":0.*"),
                    "no reply waits for cron: " + queues);
            assertTrue(get("/q/metrics").asString().contains("exocom_replies_dropped_total{service=\"cron\"}"));
        }
    }

    @Test
    void aWaitThatIsNoDurationOrTooLongIsA400() {
        given().contentType(ContentType.JSON).body("{\"name\":\"calc.run\",\"sender\":\"asker\"}").post("/messages?wait=soon")
                .then().statusCode(400).body("code", equalTo("invalid")).body("message", containsString("wait"));
        given().contentType(ContentType.JSON).body("{\"name\":\"calc.run\",\"sender\":\"asker\"}").post("/messages?wait=2h")
                .then().statusCode(400).body("message", containsString("EXOCOM_HTTP_MAX_WAIT"));
    }

    @Test
    void onlyJsonBodiesAreAcceptedSoThatWebPagesCannotPostMessages() throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.net.URI messages = java.net.URI.create(servicesHttp.toString().replace("/services", "/messages"));
        for (String type : new String[]{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
            java.net.http.HttpResponse<String> response = client.send(java.net.http.HttpRequest.newBuilder(messages)
                    .header("Content-Type", type)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"report.generate\",\"sender\":\"cron\"}"))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(415, response.statusCode(), type + ": " + response.body());
            JsonNode body = WsRelay.JSON.readTree(response.body());
            assertEquals("unsupported-media-type", body.path("code").asText());
            assertTrue(body.path("message").asText().contains("application/json"), response.body());
        }
    }

    @Test
    void oversizedBodiesAreRefusedWithANamedError() {
        String big = "{\"name\":\"report.generate\",\"sender\":\"cron\",\"payload\":\"" + "x".repeat(RoutedProfile.MAX_FRAME_SIZE) + "\"}";
        given().contentType(ContentType.JSON).body(big).post("/messages")
                .then().statusCode(413).body("code", equalTo("too-large")).body("message", containsString("EXOCOM_MAX_FRAME_SIZE"));
    }

    @Test
    void refusalsOverHttpAreCountedLikeAnyOther() {
        given().contentType(ContentType.JSON).body("{\"name\":\"x\",\"sender\":\"ghost-counted\"}").post("/messages")
                .then().statusCode(403).body("code", equalTo("unknown-service"));
        given().contentType(ContentType.JSON).body("{\"name\":\"\",\"sender\":\"cron\"}").post("/messages")
                .then().statusCode(400);
        String rejected = String.join("\n", get("/q/metrics").asString().lines()
                .filter(line -> line.startsWith("exocom_messages_rejected_total")).toList());
        assertTrue(rejected.contains("exocom_messages_rejected_total{code=\"unknown-service\",service=\"ghost-counted\"}"), rejected);
        assertTrue(rejected.contains("exocom_messages_rejected_total{code=\"invalid\""), rejected);
    }

    @Test
    void badQueryParametersAreA400WithASentence() {
        get("/queues?peek=abc").then().statusCode(400).body("message", containsString("peek"));
        get("/dead-letters?limit=lots").then().statusCode(400).body("message", containsString("limit"));
        get("/services").then().statusCode(200).body(containsString("\"depth\""));
    }
}
