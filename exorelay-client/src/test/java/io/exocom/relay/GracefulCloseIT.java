package io.exocom.relay;

import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** close(): no new deliveries, running handlers finish and are acked, then the connection closes. */
class GracefulCloseIT {
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
    void closingLetsTheRunningHandlerFinishWhileOtherInstancesTakeNewWork() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // The handler runs on the relay's thread, where a failed assertion would only nack: it reports here.
        CompletableFuture<Boolean> releasedInTime = new CompletableFuture<>();
        List<String> handledByFirst = new CopyOnWriteArrayList<>();
        List<String> handledBySecond = new CopyOnWriteArrayList<>();
        ExoRelay first = exocom.relay("worker").build().on("job.slow", (message, context) -> {
            handledByFirst.add(message.id());
            started.countDown();
            releasedInTime.complete(release.await(20, TimeUnit.SECONDS));
            context.reply("job.done", "first");
        });
        ExoRelay second = exocom.relay("worker").build().on("job.slow", (message, context) -> {
            handledBySecond.add(message.id());
            context.reply("job.done", "second");
        });
        try (ExoRelay web = exocom.relay("web").build()) {
            Await.result(web.start());
            Await.result(first.start());
            CompletionStage<Reply> slow = web.request("job.slow", "one");
            assertTrue(started.await(20, TimeUnit.SECONDS), "the first instance took the job");
            Await.result(second.start());

            CompletableFuture<Void> closing = CompletableFuture.runAsync(first::close);
            Await.until("the first instance is closing", () -> !first.isOpen());
            Reply other = Await.result(web.request("job.slow", "two"));
            assertEquals("second", other.payload().asText(), "new work goes to the instance that stays");
            assertFalse(closing.isDone(), "close waits for the running handler");

            release.countDown();
            assertTrue(Await.result(releasedInTime), "the running handler was released by the test, not by its own timeout");
            Reply reply = Await.result(slow);
            assertEquals("first", reply.payload().asText(), "the closing instance still replied");
            Await.result(closing);
            assertFalse(first.isOnline());
            assertEquals(1, handledByFirst.size());
            assertEquals(1, handledBySecond.size(), "the first job was acked, not handed to the second instance");
            Await.failure(first.send("echo.say", null), RelayClosedException.class);
        } finally {
            first.close();
            second.close();
        }
    }
}
