package io.exocom.relay;

import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Services on the Java relay across a SIGKILL of ExoCom and its restart on the same journal (issue 10): what ExoCom
 * accepted before the kill is handled after it, a request asked before the kill gets its reply after it, and
 * request/reply keeps working.
 */
class BrokerCrashIT {
    private static final int COMMANDS = 300;
    private ExoComProcess exocom;

    @AfterEach
    void stop() {
        if (exocom != null) {
            exocom.close();
        }
    }

    @Test
    void whatWasAcceptedBeforeTheKillIsHandledAfterTheRestartAndRequestsKeepWorking() throws Exception {
        exocom = ExoComProcess.start(Await.routes());
        Set<Integer> handled = ConcurrentHashMap.newKeySet();
        ExoRelay worker = exocom.relay("worker").build()
                .on("work.do", (message, context) -> handled.add(message.payload().asInt()))
                .on("echo.say", (message, context) -> context.reply("echo.said", message.payload()));
        try (ExoRelay web = exocom.relay("web").build(); worker) {
            Await.result(web.start());
            // the worker is offline: everything accepted now waits in ExoCom's journal
            CompletionStage<Reply> askedBeforeTheKill = web.request("echo.say", "asked before the kill", Duration.ofSeconds(90));
            List<CompletionStage<Accepted>> accepted = new ArrayList<>();
            for (int i = 0; i < COMMANDS; i++) {
                accepted.add(web.send("work.do", i));
            }
            for (CompletionStage<Accepted> each : accepted) {
                Await.result(each);
            }
            Await.until("ExoCom holds the request and the " + COMMANDS + " commands for the worker",
                    () -> workerDepth() == COMMANDS + 1);

            exocom.kill();
            exocom.restart();
            assertTrue(exocom.log().contains("recovered " + (COMMANDS + 1) + " messages"),
                    "the startup line counts what it recovered: " + exocom.log());

            Await.result(worker.start());
            Await.until("the worker handled every command accepted before the kill", () -> handled.size() == COMMANDS);
            Reply reply = Await.result(askedBeforeTheKill);
            assertEquals("echo.said", reply.outcome());
            assertEquals("asked before the kill", reply.payload().asText());
            Await.until("web is online again", web::isOnline);
            assertEquals("after", Await.result(web.request("echo.say", "after")).payload().asText(),
                    "request/reply works after the restart");
            for (int i = 0; i < COMMANDS; i++) {
                assertTrue(handled.contains(i), "command " + i + " was handled");
            }
        }
    }

    /** The worker's queue depth from ExoCom's queues view; -1 while it cannot be read. */
    private int workerDepth() {
        try {
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(exocom.httpUri("/queues")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (var entry : new com.fasterxml.jackson.databind.ObjectMapper().readTree(body)) {
                if (entry.path("service").asText().equals("worker")) {
                    return entry.path("depth").asInt();
                }
            }
            return 0;
        } catch (Exception notYet) {
            return -1;
        }
    }
}
