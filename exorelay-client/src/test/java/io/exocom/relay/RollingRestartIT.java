package io.exocom.relay;

import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What issue 9 found through the Java relay: a rolling restart of a service that runs one instance, as the todo
 * example deploys it, and a streaming callback that throws on the final reply.
 */
class RollingRestartIT {
    static ExoComProcess exocom;

    @BeforeAll
    static void start() {
        exocom = ExoComProcess.start(Await.routes());
    }

    @AfterAll
    static void stop() {
        if (exocom != null) {
            exocom.close();
        }
    }

    private static ExoRelay worker(String instance, Set<String> handledBy) {
        return exocom.relay("worker").instance(instance).build().on("work.do", (message, context) -> {
            handledBy.add(instance + ":" + message.payload().asInt());
            context.reply("work.done", message.payload());
        });
    }

    @Test
    void theOnlyInstanceRestartsWhileCommandsArriveAndEveryOneIsAnsweredNoneDeadLettered() throws Exception {
        Set<String> handled = ConcurrentHashMap.newKeySet();
        try (ExoRelay web = exocom.relay("web").requestTimeout(Duration.ofSeconds(30)).build()) {
            Await.result(web.start());
            ExoRelay first = worker("worker-before", handled);
            Await.result(first.start());
            List<CompletionStage<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                replies.add(web.request("work.do", i));
            }
            // the rollout stops the old pod (on another thread, whose failure or hang the test must see)...
            CompletableFuture<Void> closing = CompletableFuture.runAsync(first::close);
            for (int i = 20; i < 60; i++) {
                replies.add(web.request("work.do", i)); // ...while the web service keeps asking
            }
            Await.result(closing);
            try (ExoRelay second = worker("worker-after", handled)) { // ...and starts the new one
                Await.result(second.start());
                for (int i = 0; i < replies.size(); i++) {
                    assertEquals(i, Await.result(replies.get(i)).payload().asInt());
                }
            }
        }
        String deadLetters = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                exocom.httpUri("/dead-letters?service=worker")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertEquals("[]", deadLetters, "a rolling restart dead-letters nothing");
        Set<Integer> numbers = ConcurrentHashMap.newKeySet();
        handled.forEach(entry -> numbers.add(Integer.parseInt(entry.substring(entry.indexOf(':') + 1))));
        assertEquals(60, numbers.size(), "every command was handled: " + handled);
    }

    @Test
    void aStreamWhoseCallbackThrowsOnTheFinalReplyFailsWithThatException() {
        try (ExoRelay streamer = exocom.relay("worker").instance("worker-streams").build()
                .on("file.read", (message, context) -> {
                    context.replyPartial("file.read-chunk", "a");
                    context.reply("file.read-done", Map.of("megabytes", 1));
                });
             ExoRelay web = exocom.relay("web").build()) {
            Await.result(streamer.start());
            Await.result(web.start());
            IllegalStateException thrown = new IllegalStateException("the caller's callback broke on the last reply");
            CompletionStage<Reply> stream = web.stream("file.read", Map.of("path", "x.csv"), Duration.ofSeconds(10), reply -> {
                if (reply.isFinal()) {
                    throw thrown;
                }
            });
            IllegalStateException failure = Await.failure(stream, IllegalStateException.class);
            assertTrue(failure == thrown, "the stage fails with the callback's own exception, it does not hang");
        }
    }
}
