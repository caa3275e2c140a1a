package io.exocom.relay;

import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where handlers and callbacks run: a blocking handler on one of the relay's worker threads (never its event loop,
 * so it may block, and several blocking handlers run at once), callbacks on sends and replies on workers too, and
 * an onAsync handler that holds no thread while its stage is pending.
 */
class HandlerThreadsIT {
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
    void aHandlerRunsOnAWorkerThreadOfTheRelayAndMayBlock() {
        CompletableFuture<String> thread = new CompletableFuture<>();
        try (ExoRelay worker = exocom.relay("worker").build().on("echo.say", (message, context) -> {
            thread.complete(Thread.currentThread().getName());
            Thread.sleep(50); // blocking here delays no frame: the event loop is another thread
            context.reply("echo.said", message.payload());
        });
             ExoRelay web = exocom.relay("web").build()) {
            Await.result(worker.start());
            Await.result(web.start());
            assertEquals("hi", Await.result(web.request("echo.say", "hi")).payload().asText());
            assertTrue(Await.result(thread).startsWith("exorelay-worker-worker-"), Await.result(thread));
        }
    }

    @Test
    void blockingHandlersRunAtOnceUpToThePrefetch() {
        int atOnce = 8;
        // Each handler blocks until all of them run: that only ends when the relay runs them at the same time.
        CountDownLatch allRunning = new CountDownLatch(atOnce);
        List<Boolean> metTheOthers = new CopyOnWriteArrayList<>();
        try (ExoRelay worker = exocom.relay("worker").prefetch(atOnce).build().on("work.do", (message, context) -> {
            allRunning.countDown();
            metTheOthers.add(allRunning.await(10, TimeUnit.SECONDS));
        });
             ExoRelay web = exocom.relay("web").build()) {
            Await.result(worker.start());
            Await.result(web.start());
            for (int i = 0; i < atOnce; i++) {
                Await.result(web.send("work.do", i));
            }
            Await.until("every handler finished", () -> metTheOthers.size() == atOnce);
            assertEquals(List.of(true, true, true, true, true, true, true, true), metTheOthers);
        }
    }

    @Test
    void aCallbackOnASendRunsOnAWorkerThreadAndMayWaitForAnotherSend() {
        try (ExoRelay worker = exocom.relay("worker").build().on("work.do", (message, context) -> { });
             ExoRelay web = exocom.relay("web").build()) {
            Await.result(worker.start());
            Await.result(web.start());
            // ExoCom's answer completes the stage on the relay's event loop; a callback that ran there and waited
            // for the next answer would wait forever, because that answer arrives on the same thread
            CompletionStage<String> chained = web.send("work.do", 1).thenApply(first -> {
                Accepted second = web.send("work.do", 2).toCompletableFuture().join();
                return Thread.currentThread().getName() + " " + (second.timestamp() > 0);
            });
            String result = Await.result(chained);
            assertTrue(result.startsWith("exorelay-web-worker-") && result.endsWith(" true"), result);
        }
    }

    @Test
    void aCallbackOnAReplyRunsOnAWorkerThreadAndMayWaitForAnotherRequest() {
        try (ExoRelay worker = exocom.relay("worker").build()
                .on("echo.say", (message, context) -> context.reply("echo.said", message.payload()));
             ExoRelay web = exocom.relay("web").build()) {
            Await.result(worker.start());
            Await.result(web.start());
            // The reply completes the request on the relay's event loop; a callback that ran there and waited for
            // the next reply would wait forever, because that reply arrives on the same thread
            CompletionStage<String> chained = web.request("echo.say", "one").thenApply(first -> {
                Reply second = web.request("echo.say", "two").toCompletableFuture().join();
                return Thread.currentThread().getName() + " " + first.payload().asText() + " "
                        + second.payload().asText();
            });
            String result = Await.result(chained);
            assertTrue(result.startsWith("exorelay-web-worker-") && result.endsWith(" one two"), result);
        }
    }

    @Test
    void pendingAsyncHandlersHoldNoThread() {
        int pending = 50;
        List<CompletableFuture<Void>> stages = new CopyOnWriteArrayList<>();
        try (ExoRelay worker = exocom.relay("worker").prefetch(pending).build().onAsync("work.do", (message, context) -> {
            CompletableFuture<Void> stage = new CompletableFuture<>();
            stages.add(stage);
            return stage;
        });
             ExoRelay web = exocom.relay("web").build()) {
            Await.result(worker.start());
            Await.result(web.start());
            List<CompletionStage<Accepted>> sent = new CopyOnWriteArrayList<>();
            for (int i = 0; i < pending; i++) {
                sent.add(web.send("work.do", i));
            }
            sent.forEach(Await::result);
            Await.until("every command is being handled", () -> stages.size() == pending);
            long workerThreads = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.isAlive() && t.getName().startsWith("exorelay-worker-worker-")).count();
            assertTrue(workerThreads < pending, pending + " handlers pending on " + workerThreads + " worker threads");
            stages.forEach(stage -> stage.complete(null));
        }
    }
}
