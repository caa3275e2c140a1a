package io.exocom.relay;

import com.fasterxml.jackson.databind.JsonNode;
import io.exocom.protocol.ErrorCode;
import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Commands, replies, outcomes and refusals between relays through a real broker. */
class MessagingIT {
    record Transfer(int amount) {
    }

    static ExoComProcess exocom;
    static ExoRelay web;
    static ExoRelay worker;
    static ExoRelay auditor;
    static final BlockingQueue<Message> audited = new LinkedBlockingQueue<>();
    static final List<Message> chainStarts = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        exocom = ExoComProcess.start(Await.routes(), Map.of("EXOCOM_MAX_ATTEMPTS", "3"));
        worker = exocom.relay("worker").build()
                .on("echo.say", (message, context) -> context.reply("echo.said", message.payload()))
                .on("transfer.make", (message, context) -> {
                    Transfer transfer = message.payloadAs(Transfer.class);
                    if (transfer.amount() > 100) {
                        context.reply("transfer.insufficient-funds", Map.of("missing", transfer.amount() - 100));
                    } else {
                        context.reply("transfer.done", transfer);
                    }
                })
                .on("file.read", (message, context) -> {
                    for (String chunk : List.of("id,text\n", "1,milk\n", "2,eggs\n")) {
                        context.replyPartial("file.read-chunk", chunk);
                    }
                    context.reply("file.read-done", Map.of("chunks", 3));
                })
                .on("slow.never", (message, context) -> {
                    // handled, but never answered
                })
                .on("chain.start", (message, context) -> {
                    chainStarts.add(message);
                    context.send("audit.log", Map.of("what", "chain started"));
                    context.reply("chain.started", null);
                })
                .on("job.flaky", (message, context) -> {
                    if (message.attempt() == 1) {
                        throw new IllegalStateException("first attempts always fail here");
                    }
                    context.reply("job.done", Map.of("attempt", message.attempt()));
                });
        // job.unhandled has no handler here: ExoCom keeps it for an instance that has one (protocol 1.1).
        auditor = exocom.relay("auditor").build().on("audit.log", (message, context) -> audited.add(message));
        web = exocom.relay("web").requestTimeout(Duration.ofSeconds(10)).build();
        for (ExoRelay relay : List.of(worker, auditor, web)) {
            Await.result(relay.start());
        }
    }

    @AfterAll
    static void stop() {
        for (ExoRelay relay : new ExoRelay[]{web, worker, auditor}) {
            if (relay != null) {
                relay.close();
            }
        }
        if (exocom != null) {
            exocom.close();
        }
    }

    @Test
    void aRequestGetsItsReplyWithOutcomeAndPayload() {
        Reply reply = Await.result(web.request("echo.say", Map.of("text", "hello")));
        assertEquals("echo.said", reply.outcome());
        assertEquals("hello", reply.payload().path("text").asText());
        assertEquals("worker", reply.sender());
        assertTrue(reply.isFinal());
    }

    @Test
    void outcomesInTheDomainsWordsCanBeSwitchedOn() {
        List<String> seen = new CopyOnWriteArrayList<>();
        for (int amount : new int[]{40, 250}) {
            Reply reply = Await.result(web.request("transfer.make", new Transfer(amount)));
            switch (reply.outcome()) {
                case "transfer.done" -> seen.add("done " + reply.payloadAs(Transfer.class).amount());
                case "transfer.insufficient-funds" -> seen.add("missing " + reply.payload().path("missing").asInt());
                default -> seen.add("unexpected " + reply.outcome());
            }
        }
        assertEquals(List.of("done 40", "missing 150"), seen);
    }

    @Test
    void aStreamingReplyArrivesInOrderUntilTheFinalOne() {
        List<Reply> replies = new CopyOnWriteArrayList<>();
        Reply last = Await.result(web.stream("file.read", Map.of("path", "todos.csv"), Duration.ofSeconds(10),
                replies::add));
        assertEquals(List.of("file.read-chunk", "file.read-chunk", "file.read-chunk", "file.read-done"),
                replies.stream().map(Reply::outcome).toList());
        assertEquals("id,text\n1,milk\n2,eggs\n", replies.subList(0, 3).stream()
                .map(reply -> reply.payload().asText()).reduce("", String::concat));
        assertEquals(3, last.payload().path("chunks").asInt());
        assertTrue(last.isFinal());
    }

    @Test
    void aRequestWithoutReplyTimesOut() {
        RequestTimeoutException timeout = Await.failure(
                web.request("slow.never", null, Duration.ofMillis(500)), RequestTimeoutException.class);
        assertEquals("slow.never", timeout.commandName());
        assertTrue(timeout.getMessage().contains("slow.never"), timeout.getMessage());
    }

    @Test
    void aSendTheRoutesForbidIsRejectedWithCodeAndSentence() {
        ExoComRejectedException rejected = Await.failure(web.send("transfer.done", null),
                ExoComRejectedException.class);
        assertEquals(ErrorCode.FORBIDDEN, rejected.code());
        assertTrue(rejected.getMessage().contains("web") && rejected.getMessage().contains("transfer.done"),
                rejected.getMessage());
        assertNotNull(rejected.messageId());
    }

    @Test
    void aCommandNobodyReceivesIsRejectedAndTheRequestFailsAtOnce() {
        ExoComRejectedException rejected = Await.failure(web.request("nobody.listens", null),
                ExoComRejectedException.class);
        assertEquals(ErrorCode.NO_RECEIVERS, rejected.code());
        assertTrue(rejected.getMessage().contains("nobody.listens"), rejected.getMessage());
    }

    @Test
    void anAcceptedSendCarriesExoComsTimestamp() {
        Accepted accepted = Await.result(web.send("echo.say", "fire and forget"));
        assertNotNull(accepted.id());
        assertTrue(accepted.timestamp() > 1_600_000_000_000_000_000L, "unix nanoseconds: " + accepted.timestamp());
    }

    @Test
    void everythingSentWhileHandlingAMessageCarriesItsOriginId() throws Exception {
        Reply started = Await.result(web.request("chain.start", null));
        Message command = chainStarts.get(chainStarts.size() - 1);
        assertEquals(command.id(), command.originId(), "ExoCom defaults the originId of a new activity to its id");
        assertEquals(command.originId(), started.message().originId());
        Message audit = audited.poll(Await.PATIENCE.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(audit, "the audit event arrived");
        assertEquals(command.originId(), audit.originId());
        assertEquals("worker", audit.sender());
    }

    @Test
    void aFailedHandlerIsNackedAndTheCommandHandledOnTheNextAttempt() {
        Reply reply = Await.result(web.request("job.flaky", null));
        assertEquals("job.done", reply.outcome());
        assertEquals(2, reply.payload().path("attempt").asInt());
    }

    @Test
    void aCommandNoInstanceHasAHandlerForWaitsForOneThatHasIt() throws Exception {
        Accepted accepted = Await.result(web.send("job.unhandled", Map.of("n", 1)));
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest queues = HttpRequest.newBuilder(exocom.httpUri("/queues?peek=100")).build();
        Await.until("job.unhandled waits in worker's queue", () -> {
            try {
                return http.send(queues, HttpResponse.BodyHandlers.ofString()).body().contains(accepted.id());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        String deadLetters = http.send(HttpRequest.newBuilder(exocom.httpUri("/dead-letters?service=worker")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(!deadLetters.contains(accepted.id()), "it is not bounced into a dead letter: " + deadLetters);
        java.util.concurrent.CompletableFuture<Message> handled = new java.util.concurrent.CompletableFuture<>();
        try (ExoRelay withHandler = exocom.relay("worker").instance("worker-with-handler").build()
                .on("job.unhandled", (message, context) -> handled.complete(message))) {
            Await.result(withHandler.start());
            Message message = Await.result(handled);
            assertEquals(accepted.id(), message.id());
            assertEquals(1, message.attempt(), "it was never delivered to an instance without the handler");
        }
    }

    @Test
    void aServiceUnknownToTheRoutesIsRefusedAtStart() {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (ExoRelay ghost = exocom.relay("ghost").build()) {
            ghost.onError(errors::add);
            ExoComRejectedException refused = Await.failure(ghost.start(), ExoComRejectedException.class);
            assertEquals(ErrorCode.UNKNOWN_SERVICE, refused.code());
            assertTrue(refused.getMessage().contains("ghost"), refused.getMessage());
            Await.until("the error listener heard it", () -> !errors.isEmpty());
        }
    }
}
