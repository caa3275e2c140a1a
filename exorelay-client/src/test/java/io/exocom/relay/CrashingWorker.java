package io.exocom.relay;

import java.util.concurrent.CountDownLatch;

/**
 * A worker in its own JVM that takes "work.do" and never finishes it, so that a test can kill it mid-handler.
 * Configured like any service, from the environment. Prints ONLINE, then HANDLING id for each message.
 */
public final class CrashingWorker {
    public static void main(String[] args) throws Exception {
        ExoRelay relay = ExoRelay.fromEnvironment();
        relay.on("work.do", (message, context) -> {
            System.out.println("HANDLING " + message.id());
            System.out.flush();
            new CountDownLatch(1).await();
        });
        relay.start().toCompletableFuture().join();
        System.out.println("ONLINE");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
