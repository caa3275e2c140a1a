package io.exocom.relay;

import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** At-least-once delivery as a service sees it: redelivery after a crash, and no double handling. */
class RedeliveryIT {
    static ExoComProcess exocom;
    static ExoRelay web;

    @BeforeAll
    static void start() {
        exocom = ExoComProcess.start(Await.routes(), Map.of("EXOCOM_ACK_TIMEOUT", "1s", "EXOCOM_LOG_MESSAGES", "true"));
        web = exocom.relay("web").requestTimeout(Duration.ofSeconds(20)).build();
        Await.result(web.start());
    }

    @AfterAll
    static void stop() {
        if (web != null) {
            web.close();
        }
        if (exocom != null) {
            exocom.close();
        }
    }

    @Test
    void aCommandWhoseInstanceDiesMidHandlerIsHandledByAnotherInstance() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CrashingWorker.class.getName())
                .redirectErrorStream(true);
        builder.environment().putAll(exocom.relayEnvironment());
        builder.environment().put("SERVICE_NAME", "worker");
        builder.environment().put("EXOCOM_INSTANCE", "worker-doomed");
        Process doomed = builder.start();
        ExoRelay survivor = null;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(doomed.getInputStream(), StandardCharsets.UTF_8));
            awaitLine(out, "ONLINE");

            CompletionStage<Reply> reply = web.request("work.do", Map.of("job", 7));
            String handling = awaitLine(out, "HANDLING ");

            List<Message> handled = new CopyOnWriteArrayList<>();
            survivor = exocom.relay("worker").build().on("work.do", (message, context) -> {
                handled.add(message);
                context.reply("work.done", Map.of("by", "survivor", "attempt", message.attempt()));
            });
            Await.result(survivor.start());
            doomed.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

            Reply done = Await.result(reply);
            assertEquals("work.done", done.outcome());
            assertEquals("survivor", done.payload().path("by").asText());
            assertTrue(done.payload().path("attempt").asInt() >= 2, "a later attempt, after the crash: " + done);
            assertEquals(1, handled.size());
            assertEquals(handling.substring("HANDLING ".length()), handled.get(0).id(), "the same message");
        } finally {
            doomed.destroyForcibly();
            if (survivor != null) {
                survivor.close();
            }
        }
    }

    @Test
    void aCommandRedeliveredWhileOrAfterBeingHandledIsNotHandledTwice() {
        AtomicInteger runs = new AtomicInteger();
        // The handler runs on the relay's thread, where a failed assertion would only nack: it reports here.
        CompletableFuture<Boolean> redeliveredWhileHandling = new CompletableFuture<>();
        // The handler outlasts ExoCom's ack timeout (1 s here), so ExoCom delivers the command again to the
        // only instance there is; the handler finishes only once that redelivery has happened.
        try (ExoRelay worker = exocom.relay("worker").build().on("job.slow", (message, context) -> {
            runs.incrementAndGet();
            redeliveredWhileHandling.complete(Await.holdsWithin(Await.PATIENCE.dividedBy(2),
                    () -> exocom.log().contains("(attempt 2, id " + message.id() + ")")));
            context.reply("job.done", Map.of("runs", runs.get()));
        })) {
            Await.result(worker.start());
            CompletionStage<Reply> asked = web.request("job.slow", null);
            assertTrue(Await.result(redeliveredWhileHandling), "ExoCom delivered the command again while it was handled");
            Reply reply = Await.result(asked);
            assertEquals("job.done", reply.outcome());
            assertEquals(1, reply.payload().path("runs").asInt());
            assertEquals(1, runs.get(), "the handler ran once although the command was delivered twice");
            assertTrue(exocom.log().contains("job.slow"), "the broker logged the deliveries");
        }
    }

    private static String awaitLine(BufferedReader out, String prefix) throws Exception {
        long deadline = System.nanoTime() + Await.PATIENCE.toNanos();
        StringBuilder seen = new StringBuilder();
        String line;
        while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("the crashing worker never printed " + prefix + "; it printed:\n" + seen);
    }
}
