package io.exocom.relay;

import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Losing ExoCom: buffering, reconnecting, flushing, and the bound of the buffer. */
class ReconnectIT {
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

    @Test
    void sendsMadeWhileExoComIsDownAreDeliveredOnceItIsBack() {
        AtomicInteger online = new AtomicInteger();
        List<String> offline = new CopyOnWriteArrayList<>();
        try (ExoRelay worker = exocom.relay("worker").build()
                .on("echo.say", (message, context) -> context.reply("echo.said", message.payload()));
             ExoRelay web = exocom.relay("web").build()) {
            web.onOnline(online::incrementAndGet).onOffline(offline::add);
            Await.result(worker.start());
            Await.result(web.start());
            assertEquals("before", Await.result(web.request("echo.say", "before")).payload().asText());

            exocom.kill();
            Await.until("web noticed ExoCom is gone", () -> !offline.isEmpty() && !web.isOnline());
            CompletionStage<Reply> asked = web.request("echo.say", "while down", Duration.ofSeconds(30));
            CompletionStage<Accepted> told = web.send("echo.say", "also while down");
            assertFalse(told.toCompletableFuture().isDone(), "nobody can accept it while ExoCom is down");

            exocom.restart();
            Await.result(told);
            Reply reply = Await.result(asked);
            assertEquals("echo.said", reply.outcome());
            assertEquals("while down", reply.payload().asText());
            Await.until("the online listener heard the reconnect", () -> online.get() == 2);
            assertTrue(web.isOnline() && worker.isOnline());
        }
    }

    @Test
    void beyondItsBoundTheBufferRefusesSendsAtOnceWithAClearError() throws Exception {
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        int nothingListens = ExoComProcess.freePort();
        ExoRelay web = ExoRelay.builder().service("web").instance("web-unplugged").port(nothingListens)
                .maxBufferedSends(2).reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200)).build();
        web.onError(errors::add);
        web.start();
        CompletionStage<Accepted> first = web.send("echo.say", 1);
        CompletionStage<Accepted> second = web.send("echo.say", 2);
        RelayBufferFullException full = Await.failure(web.send("echo.say", 3), RelayBufferFullException.class);
        assertTrue(full.getMessage().contains("unreachable") && full.getMessage().contains("2"), full.getMessage());
        Await.until("the error listener heard that ExoCom is unreachable", () -> !errors.isEmpty());
        assertTrue(errors.get(0).getMessage().contains("cannot reach ExoCom"), errors.get(0).getMessage());

        web.close();
        Await.failure(first, RelayClosedException.class);
        Await.failure(second, RelayClosedException.class);
        Await.failure(web.send("echo.say", 4), RelayClosedException.class);
    }

    @Test
    void aReplyThatArrivesWhileTheAskerIsCutOffReachesItAfterItReconnects() throws Exception {
        java.util.concurrent.CountDownLatch taken = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Accepted> replied = new java.util.concurrent.CompletableFuture<>();
        // The handler runs on the relay's thread, where a failed assertion would only nack: it reports here.
        java.util.concurrent.CompletableFuture<Boolean> releasedInTime = new java.util.concurrent.CompletableFuture<>();
        List<String> offline = new CopyOnWriteArrayList<>();
        try (TcpProxy proxy = new TcpProxy(exocom.port());
             ExoRelay worker = exocom.relay("worker").build().on("job.slow", (message, context) -> {
                 taken.countDown();
                 releasedInTime.complete(release.await(20, java.util.concurrent.TimeUnit.SECONDS));
                 context.reply("job.done", "worth the wait").whenComplete((accepted, error) -> {
                     if (error != null) {
                         replied.completeExceptionally(error);
                     } else {
                         replied.complete(accepted);
                     }
                 });
             });
             ExoRelay web = exocom.relay("web").port(proxy.port()).heartbeatInterval(Duration.ofMillis(500)).build()) {
            web.onOffline(offline::add);
            Await.result(worker.start());
            Await.result(web.start());
            CompletionStage<Reply> asked = web.request("job.slow", null, Duration.ofSeconds(30));
            assertTrue(taken.await(20, java.util.concurrent.TimeUnit.SECONDS), "the worker took the command");

            proxy.refuse(true);
            proxy.cut();
            Await.until("web noticed it is cut off", () -> !offline.isEmpty() && !web.isOnline());
            release.countDown();
            assertTrue(Await.result(releasedInTime), "the worker's handler was released by the test, not by its own timeout");
            Await.result(replied);   // ExoCom accepted the reply while no instance of web was connected
            assertFalse(asked.toCompletableFuture().isDone());

            proxy.refuse(false);
            Reply reply = Await.result(asked);
            assertEquals("job.done", reply.outcome());
            assertEquals("worth the wait", reply.payload().asText());
        }
    }

    @Test
    void aConnectionThatGoesSilentWithoutClosingIsNoticedAndReplaced() throws Exception {
        List<String> offline = new CopyOnWriteArrayList<>();
        try (TcpProxy proxy = new TcpProxy(exocom.port());
             ExoRelay web = exocom.relay("web").port(proxy.port()).heartbeatInterval(Duration.ofMillis(300)).build()) {
            web.onOffline(offline::add);
            Await.result(web.start());
            proxy.blackHole(true); // nothing arrives any more, and nothing is closed
            Await.until("web noticed the silence", () -> !offline.isEmpty());
            assertTrue(offline.get(0).contains("did not answer"), offline.get(0));
            proxy.blackHole(false);
            Await.until("web is back online", web::isOnline);
        }
    }
}
