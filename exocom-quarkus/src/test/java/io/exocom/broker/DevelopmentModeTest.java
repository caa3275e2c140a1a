package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.get;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Without routes: any service may register and send; receivers are those that declare the name. */
@QuarkusTest
class DevelopmentModeTest extends BrokerTestSupport {

    @Test
    void receiversAreTheServicesThatDeclareTheName() throws Exception {
        try (WsRelay anyone = WsRelay.register(ws(), "anyone", "anyone-1");
             WsRelay greeter = WsRelay.register(ws(), "greeter", "greeter-1", null, "hello.say")) {
            JsonNode registered = WsRelay.JSON.readTree(get("/routes").asString());
            assertEquals("development", registered.path("mode").asText());
            String id = anyone.command("hello.say", "world");
            JsonNode delivered = greeter.delivery();
            assertEquals(id, idOf(delivered));
            greeter.ack(id);
            // a reply needs no declaration by the asker
            assertEquals("accepted", greeter.reply(id, "hello.said", "hi", null).path("type").asText());
            anyone.ack(idOf(anyone.delivery()));
        }
    }

    @Test
    void aNameNobodyDeclaredHasNoReceivers() throws Exception {
        try (WsRelay anyone = WsRelay.register(ws(), "anyone", "anyone-2")) {
            String id = anyone.sendCommand("nobody.declared.this", null);
            assertRejected(anyone.next("rejected"), id, "no-receivers");
        }
    }

    @Test
    void aDeclaredServiceKeepsReceivingIntoItsQueueWhileOffline() throws Exception {
        try (WsRelay sender = WsRelay.register(ws(), "sender", "sender-1")) {
            try (WsRelay archive = WsRelay.register(ws(), "archive", "archive-1", null, "archive.store")) {
                // registered once, then gone
            }
            String id = sender.command("archive.store", "keep me");
            try (WsRelay archive = WsRelay.register(ws(), "archive", "archive-2", null, "archive.store")) {
                JsonNode delivered = archive.delivery();
                assertEquals(id, idOf(delivered));
                archive.ack(id);
            }
        }
    }

    @Test
    void theRegisteredFrameSaysAnythingMayBeSent() throws Exception {
        try (WsRelay relay = WsRelay.connect(ws())) {
            relay.sendText("{\"type\":\"register\",\"service\":\"free\",\"receives\":[\"a.b\"]}");
            JsonNode registered = relay.next();
            assertEquals("[\"*\"]", registered.path("sends").toString());
            assertEquals("[\"a.b\"]", registered.path("receives").toString());
        }
        get("/q/health/ready").then().statusCode(200).body("checks.find { it.name == 'routes' }.data.mode", equalTo("development"));
    }
}
