package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PROTOCOL.md §4.6: routes change while ExoCom runs, and connections stay up. */
@QuarkusTest
@TestProfile(RoutedProfile.class)
class RoutesReloadTest extends BrokerTestSupport {

    @AfterEach
    void restore() throws Exception {
        RoutedProfile.restoreRoutes();
        await("the original routes", Duration.ofSeconds(10), () -> {
            var routes = RestAssured.get("/routes").jsonPath();
            return routes.getString("lastReloadError") == null
                    && routes.getList("services.find { it.service == 'reloadable' }.sends").isEmpty();
        });
    }

    private static void writeRoutes(String yaml) throws Exception {
        var temp = Files.createTempFile(RoutedProfile.ROUTES.getParent(), "edit", ".tmp");
        Files.writeString(temp, yaml);
        Files.move(temp, RoutedProfile.ROUTES, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void aNewGrantAppliesToConnectedRelaysWithoutReconnecting() throws Exception {
        try (WsRelay sender = WsRelay.register(ws(), "reloadable", "reloadable-1");
             WsRelay sink = WsRelay.register(ws(), "reloadsink", "reloadsink-1")) {
            String refused = sender.sendCommand("reload.ping", 1);
            assertRejected(sender.next("rejected"), refused, "forbidden");

            String original = Files.readString(RoutedProfile.ROUTES);
            writeRoutes(original.replace("  reloadable:\n    sends: []", "  reloadable:\n    sends: [reload.ping]"));
            await("the new routes", Duration.ofSeconds(10), () -> RestAssured.get("/routes").jsonPath()
                    .getList("services.find { it.service == 'reloadable' }.sends").contains("reload.ping"));

            sender.command("reload.ping", 2);
            JsonNode delivered = sink.delivery();
            assertEquals(2, delivered.path("message").path("payload").asInt());
            sink.ack(idOf(delivered));
            assertFalse(sender.isClosed());
            assertFalse(sink.isClosed());
        }
    }

    @Test
    void aBrokenChangeKeepsThePreviousRoutesAndSaysWhy() throws Exception {
        try (WsRelay web = WsRelay.register(ws(), "web", "web-broken-reload");
             WsRelay todos = WsRelay.register(ws(), "todos", "todos-broken-reload")) {
            String original = Files.readString(RoutedProfile.ROUTES);
            writeRoutes(original.replace("    receives: [todos.create, todos.list]", "    receives: todos.create"));
            await("the reload error", Duration.ofSeconds(10), () -> RestAssured.get("/routes").jsonPath().getString("lastReloadError") != null);
            String error = RestAssured.get("/routes").jsonPath().getString("lastReloadError");
            assertTrue(error.contains("routes.yaml:"), error);
            assertTrue(error.contains("services.todos.receives"), error);
            assertTrue(RestAssured.get("/q/health/ready").asString().contains("lastReloadError"));

            web.command("todos.list", null);
            todos.ack(idOf(todos.delivery()));
        }
    }
}
