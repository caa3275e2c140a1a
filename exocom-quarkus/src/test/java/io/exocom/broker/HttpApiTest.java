package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.get;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PROTOCOL.md §7: sending over HTTP, the views, health and metrics. */
@QuarkusTest
@TestProfile(RoutedProfile.class)
class HttpApiTest extends BrokerTestSupport {

    @Test
    void postMessagesSendsAsTheNamedService() throws Exception {
        try (WsRelay reporter = WsRelay.register(ws(), "reporter", "reporter-http")) {
            String id = given().contentType(ContentType.JSON)
                    .body("{\"name\":\"report.generate\",\"sender\":\"cron\",\"payload\":{\"month\":\"2026-11\"}}")
                    .post("/messages")
                    .then().statusCode(202).body("id", notNullValue()).body("timestamp", notNullValue())
                    .extract().path("id");
            JsonNode delivered = reporter.delivery().path("message");
            assertEquals(id, delivered.path("id").asText(), "ExoCom made up the id");
            assertEquals("cron", delivered.path("sender").asText());
            assertEquals("2026-11", delivered.path("payload").path("month").asText());
            reporter.ack(id);

            // a given id is kept, and a retry of it is not delivered twice
            String body = "{\"id\":\"http-fixed-1\",\"name\":\"report.generate\",\"sender\":\"cron\"}";
            given().contentType(ContentType.JSON).body(body).post("/messages").then().statusCode(202).body("id", equalTo("http-fixed-1"));
            reporter.ack(idOf(reporter.delivery()));
            given().contentType(ContentType.JSON).body(body).post("/messages").then().statusCode(202);
            reporter.expectNothing(java.time.Duration.ofMillis(400), "deliver");
        }
    }

    @Test
    void postMessagesRefusalsUseTheProtocolsStatusCodes() {
        given().contentType(ContentType.JSON).body("{\"name\":\"report.generate\"}").post("/messages")
                .then().statusCode(400).body("code", equalTo("invalid")).body("message", containsString("sender"));
        given().contentType(ContentType.JSON).body("not json").post("/messages")
                .then().statusCode(400).body("code", equalTo("invalid"));
        given().contentType(ContentType.JSON).body("").post("/messages")
                .then().statusCode(400).body("code", equalTo("invalid"));
        given().contentType(ContentType.JSON).body("{\"name\":\"\",\"sender\":\"cron\"}").post("/messages")
                .then().statusCode(400).body("code", equalTo("invalid")).body("message", containsString("name"));
        given().contentType(ContentType.JSON).body("{\"name\":\"todos.create\",\"sender\":\"cron\"}").post("/messages")
                .then().statusCode(403).body("code", equalTo("forbidden")).body("message", containsString("cron"));
        given().contentType(ContentType.JSON).body("{\"name\":\"x\",\"sender\":\"ghost\"}").post("/messages")
                .then().statusCode(403).body("code", equalTo("unknown-service"));
        given().contentType(ContentType.JSON).body("{\"name\":\"report.forbidden-check\",\"sender\":\"cron\"}").post("/messages")
                .then().statusCode(404).body("code", equalTo("no-receivers"));
        given().contentType(ContentType.JSON).body("{\"name\":\"report.generate\",\"sender\":\"cron\",\"payload\":\""
                        + "x".repeat(RoutedProfile.MAX_FRAME_SIZE) + "\"}").post("/messages")
                .then().statusCode(413).body("code", equalTo("too-large"));
        given().contentType(ContentType.JSON).body("{\"name\":\"calc.done\",\"sender\":\"calc\",\"responseTo\":\"nope\"}").post("/messages")
                .then().statusCode(409).body("code", equalTo("unknown-command"));
    }

    @Test
    void postMessagesAnswers503WhenTheQueueIsFull() {
        // nobody registers as bulkfull in this test; fill its queue over HTTP, as the web service
        int accepted = 0;
        int status;
        do {
            status = given().contentType(ContentType.JSON).body("{\"name\":\"full.only\",\"sender\":\"web\"}").post("/messages").statusCode();
            accepted++;
        } while (status == 202 && accepted <= RoutedProfile.MAX_QUEUE_DEPTH + 1);
        assertEquals(503, status);
        given().contentType(ContentType.JSON).body("{\"name\":\"full.only\",\"sender\":\"web\"}").post("/messages")
                .then().statusCode(503).body("code", equalTo("queue-full")).body("message", containsString("bulkfull"));
    }

    @Test
    void theViewsShowRoutesServicesAndQueues() throws Exception {
        get("/routes").then().statusCode(200)
                .body("mode", equalTo("routes"))
                .body("source", containsString("routes.yaml"))
                .body("services.find { it.service == 'todos' }.receives", hasItem("todos.create"));
        try (WsRelay todos = WsRelay.register(ws(), "todos", "todos-views", 7)) {
            get("/services").then().statusCode(200)
                    .body("find { it.service == 'todos' }.instances.find { it.id == 'todos-views' }.prefetch", equalTo(7));
            get("/queues").then().statusCode(200).body("service", hasItem("todos"));
        }
        get("/queues?peek=5").then().statusCode(200);
    }

    @Test
    void healthAndMetrics() throws Exception {
        get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        get("/q/health/ready").then().statusCode(200).body("checks.find { it.name == 'routes' }.data.mode", equalTo("routes"));
        try (WsRelay web = WsRelay.register(ws(), "web", "web-metrics");
             WsRelay todos = WsRelay.register(ws(), "todos", "todos-metrics")) {
            web.command("todos.list", null);
            todos.ack(idOf(todos.delivery()));
            web.sendCommand("todos.delete", null);
            web.next("rejected");
            Thread.sleep(600); // per-service gauges are registered by the next housekeeping round
            String metrics = get("/q/metrics").asString();
            for (String expected : new String[]{
                    "exocom_messages_accepted_total{name=\"todos.list\",service=\"web\"}",
                    "exocom_messages_rejected_total{code=\"forbidden\",service=\"web\"}",
                    "exocom_messages_delivered_total{name=\"todos.list\",service=\"todos\"}",
                    "exocom_queue_depth{service=\"todos\"}",
                    "exocom_in_flight{service=\"todos\"}",
                    "exocom_instances{service=\"todos\"}",
                    "exocom_delivery_latency_seconds_bucket",
                    "exocom_dead_letters ",
                    // the journal is the default store: its syncs and their time give the cost of each `accepted`
                    "exocom_storage_available ",
                    "exocom_journal_syncs_total ",
                    "exocom_journal_sync_time_seconds_total ",
            }) {
                assertTrue(metrics.contains(expected), "metrics lack " + expected);
            }
        }
    }
}
