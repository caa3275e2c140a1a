package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The send-rate limit and the alarms on suspicious traffic (README, Security), each triggered by what an attacker
 * or a broken client does, and not by normal traffic of the same kind.
 */
@QuarkusTest
@TestProfile(AbuseTest.WithLimits.class)
class AbuseTest extends BrokerTestSupport {
    static final int RATE = 50;
    static final int THRESHOLD = 3;

    public static class WithLimits extends RoutedProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> settings = new HashMap<>(super.getConfigOverrides());
            try {
                Path tokens = Path.of("target", "abuse-tokens.properties").toAbsolutePath();
                Files.createDirectories(tokens.getParent());
                StringBuilder lines = new StringBuilder();
                for (String service : new String[]{"web", "cron", "calc", "asker", "boss", "todos", "retired"}) {
                    lines.append(service).append('=').append(service).append("-secret\n");
                }
                Files.writeString(tokens, lines);
                settings.put("exocom.tokens-file", tokens.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            settings.put("exocom.max-send-rate", String.valueOf(RATE));
            settings.put("exocom.alarm-threshold", String.valueOf(THRESHOLD));
            settings.put("exocom.send-rate-alarm-factor", "5");
            settings.put("exocom.send-rate-alarm-min", "10");
            settings.put("exocom.send-rate-baseline", "2s");
            settings.put("exocom.max-queue-depth", "10000");
            return settings;
        }
    }

    private WsRelay register(String service, String token) throws Exception {
        WsRelay relay = WsRelay.connect(ws());
        ObjectNode frame = WsRelay.JSON.createObjectNode().put("type", "register").put("service", service).put("token", token);
        relay.sendFrame(frame);
        JsonNode answer = relay.next();
        if (!answer.path("type").asText().equals("registered")) {
            relay.close();
            throw new AssertionError("registration of " + service + ": " + answer);
        }
        return relay;
    }

    private JsonNode send(WsRelay relay, String name, String id) throws InterruptedException {
        relay.sendMessage(WsRelay.message(name, id, Map.of()));
        return relay.next("accepted", "rejected");
    }

    private static double alarms(String alarm, String service) {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher matcher = Pattern.compile("(?m)^exocom_alarms_total\\{alarm=\"" + Pattern.quote(alarm) + "\",service=\""
                + Pattern.quote(service) + "\"} ([0-9.eE+]+)$").matcher(text);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
    }

    @Test
    void aServiceSendingFasterThanItsRateIsRefusedWithTheWaitAndMaySendAgainAfterIt() throws Exception {
        try (WsRelay web = register("web", "web-secret")) {
            JsonNode refused = null;
            String refusedId = null;
            for (int i = 0; i < RATE * 2 && refused == null; i++) {
                String id = UUID.randomUUID().toString();
                JsonNode answer = send(web, "user.created", id);
                if (answer.path("type").asText().equals("rejected")) {
                    refused = answer;
                    refusedId = id;
                }
            }
            assertTrue(refused != null, "more than a second's worth of sends at once must be refused");
            assertRejected(refused, refusedId, "rate-limited");
            Matcher wait = Pattern.compile("send it again in (\\d+) ms").matcher(refused.path("message").asText());
            assertTrue(wait.find(), refused.toString());
            Thread.sleep(Long.parseLong(wait.group(1)) + 50);
            assertEquals("accepted", send(web, "user.created", refusedId).path("type").asText(),
                    "the refused send is not remembered: sent again after the wait, it is accepted");

            // HTTP senders have the same limit: three seconds' worth at once cannot all pass
            java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpRequest post = java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(servicesHttp.toString().replace("/services", "/messages")))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer web-secret")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"user.created\"}")).build();
            java.util.List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> posts = new java.util.ArrayList<>();
            for (int i = 0; i < RATE * 3; i++) {
                posts.add(client.sendAsync(post, java.net.http.HttpResponse.BodyHandlers.ofString()));
            }
            java.util.List<Integer> statuses = new java.util.ArrayList<>();
            String limited = null;
            for (var response : posts) {
                var answer = response.get(30, java.util.concurrent.TimeUnit.SECONDS);
                statuses.add(answer.statusCode());
                if (answer.statusCode() == 429) {
                    limited = answer.body();
                }
            }
            assertTrue(limited != null, "no 429 among " + statuses);
            assertTrue(limited.contains("\"code\":\"rate-limited\"") && limited.contains("send it again in"), limited);
        }
    }

    @Test
    void sendsWithinTheRateAreNeverRefused() throws Exception {
        try (WsRelay cron = register("cron", "cron-secret")) {
            for (int i = 0; i < RATE / 2; i++) {
                assertEquals("accepted", send(cron, "report.generate", UUID.randomUUID().toString()).path("type").asText());
            }
        }
    }

    @Test
    void repeatedForbiddenSendsRaiseAnAlarmAFewDoNot() throws Exception {
        try (WsRelay web = register("web", "web-secret"); WsRelay asker = register("asker", "asker-secret")) {
            for (int i = 0; i < THRESHOLD - 1; i++) {
                assertRejected(send(asker, "report.generate", "a" + i), "a" + i, "forbidden");
            }
            assertEquals(0, alarms("forbidden-sends", "asker"), "fewer than the threshold raise nothing");
            for (int i = 0; i < THRESHOLD; i++) {
                assertRejected(send(web, "calc.run", "w" + i), "w" + i, "forbidden");
            }
            assertEquals(1, alarms("forbidden-sends", "web"));
        }
    }

    @Test
    void repeatedFailedAuthenticationAndUnknownServicesRaiseAlarms() throws Exception {
        try (WsRelay fine = register("todos", "todos-secret")) {
            assertEquals(0, alarms("failed-authentication", "todos"), "a right token raises nothing");
        }
        for (int i = 0; i < THRESHOLD; i++) {
            try (WsRelay guess = WsRelay.connect(ws())) {
                guess.sendText("{\"type\":\"register\",\"service\":\"todos\",\"token\":\"guess-" + i + "\"}");
                assertError(guess.next(), "unauthenticated");
            }
        }
        assertEquals(1, alarms("failed-authentication", "todos"));

        // a token the file holds for a service the routes no longer have
        for (int i = 0; i < THRESHOLD; i++) {
            try (WsRelay retired = WsRelay.connect(ws())) {
                retired.sendText("{\"type\":\"register\",\"service\":\"retired\",\"token\":\"retired-secret\"}");
                assertError(retired.next(), "unknown-service");
            }
        }
        assertEquals(1, alarms("unknown-service", "unknown"), "a made-up name is never a metric label");
    }

    @Test
    void guessingAdminTokensRaisesTheFailedAuthenticationAlarmAServicesOwnTokenDoesNot() {
        for (int i = 0; i < THRESHOLD; i++) {
            given().header("Authorization", "Bearer cron-secret").get("/queues?peek=1").then().statusCode(403);
        }
        assertEquals(0, alarms("failed-authentication", "unknown"), "a service's own token is not a guess");
        for (int i = 0; i < THRESHOLD; i++) {
            given().header("Authorization", "Bearer admin-guess-" + i).get("/queues?peek=1").then().statusCode(403);
        }
        assertEquals(1, alarms("failed-authentication", "unknown"));
    }

    @Test
    void repliesToCommandsNeverReceivedRaiseAnAlarmARealReplyDoesNot() throws Exception {
        try (WsRelay asker = register("asker", "asker-secret"); WsRelay calc = register("calc", "calc-secret")) {
            String command = asker.command("calc.run", Map.of("a", 1));
            calc.ack(idOf(calc.delivery()));
            assertEquals("accepted", calc.reply(command, "calc.done", 1, null).path("type").asText());
            assertEquals(0, alarms("unknown-command-replies", "calc"));
            for (int i = 0; i < THRESHOLD; i++) {
                JsonNode answer = calc.reply("never-sent-" + i, "calc.done", 1, null);
                assertEquals("unknown-command", answer.path("code").asText(), answer.toString());
            }
            assertEquals(1, alarms("unknown-command-replies", "calc"));
        }
    }

    @Test
    void aBurstFarAboveAServicesNormalRaisesTheSendRateAlarmItsNormalDoesNot() throws Exception {
        try (WsRelay boss = register("boss", "boss-secret")) {
            // its normal: about two sends a second, for longer than the baseline
            long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
            while (System.nanoTime() < until) {
                assertEquals("accepted", send(boss, "work.do", UUID.randomUUID().toString()).path("type").asText());
                Thread.sleep(500);
            }
            assertEquals(0, alarms("send-rate", "boss"), "its normal rate raises nothing");
            for (int i = 0; i < RATE - 5; i++) {
                send(boss, "work.do", UUID.randomUUID().toString());
            }
            await("the send-rate alarm", Duration.ofSeconds(10), () -> alarms("send-rate", "boss") >= 1);
        }
    }
}
