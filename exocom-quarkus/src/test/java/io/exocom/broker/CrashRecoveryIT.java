package io.exocom.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The durability contract against the packaged broker, over the real wire (issue 10): a producer pipelines commands
 * with unique ids, a worker acks one kind and refuses another without requeue, a third service stays offline while
 * its commands pile up, and the broker is killed with SIGKILL at seeded random moments, once during its recovery.
 * After the last restart everything is drained: every id answered {@code accepted} was delivered or is a dead
 * letter, nothing was delivered that was never sent, and an id re-sent after a restart gets its first timestamp.
 * <p>
 * Cycles: {@code -Dexocom.crash.cycles=N} (CI: 10).
 */
class CrashRecoveryIT {
    private static final Path JAR = Path.of(System.getProperty("exocom.jar", "target/quarkus-app/quarkus-run.jar"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private Process broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.destroyForcibly();
        }
    }

    /** A relay written out in a few lines: a WebSocket, its frames collected, answers and deliveries recorded. */
    private static final class Peer implements WebSocket.Listener {
        final Map<String, Long> accepted;
        final Set<String> delivered;
        final CompletableFuture<Void> registered = new CompletableFuture<>();
        final CompletableFuture<Void> closed = new CompletableFuture<>();
        final StringBuilder partial = new StringBuilder();
        WebSocket socket;

        Peer(Map<String, Long> accepted, Set<String> delivered) {
            this.accepted = accepted;
            this.delivered = delivered;
        }

        static Peer connect(int port, String service, Map<String, Long> accepted, Set<String> delivered) throws Exception {
            return connect(port, service, "1.1", accepted, delivered);
        }

        /** @param protocol from 1.3 on, the broker queues a command for its receivers while the journal syncs it */
        static Peer connect(int port, String service, String protocol, Map<String, Long> accepted, Set<String> delivered)
                throws Exception {
            Peer peer = new Peer(accepted, delivered);
            peer.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + port + "/services"), peer).get(10, TimeUnit.SECONDS);
            peer.send("{\"type\":\"register\",\"service\":\"" + service + "\",\"instance\":\"" + service
                    + "-1\",\"prefetch\":500,\"protocol\":\"" + protocol + "\",\"receives\":[\"job.run\",\"job.fragile\",\"job.offline\"]}");
            peer.registered.get(10, TimeUnit.SECONDS);
            return peer;
        }

        synchronized void send(String frame) {
            socket.sendText(frame, true).join();
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    handle(JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        private void handle(JsonNode frame) {
            switch (frame.path("type").asText()) {
                case "registered" -> registered.complete(null);
                case "accepted" -> accepted.putIfAbsent(frame.path("id").asText(), frame.path("timestamp").asLong());
                case "deliver" -> {
                    JsonNode message = frame.path("message");
                    String id = message.path("id").asText();
                    delivered.add(id);
                    new Thread(() -> {
                        try {
                            send(message.path("name").asText().equals("job.fragile")
                                    ? "{\"type\":\"nack\",\"id\":\"" + id + "\",\"requeue\":false}"
                                    : "{\"type\":\"ack\",\"id\":\"" + id + "\"}");
                        } catch (RuntimeException gone) {
                            // the broker died meanwhile: the copy comes again
                        }
                    }).start();
                }
                default -> {
                }
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.complete(null);
        }
    }

    private Process start(Path data, int port, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+ExitOnOutOfMemoryError", "-jar", JAR.toString(), "--routes",
                Path.of("src", "test", "resources", "process", "crash.yaml").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(name -> name.startsWith("EXOCOM_"));
        builder.environment().putAll(Map.of("EXOCOM_PORT", String.valueOf(port), "EXOCOM_DATA_DIR", data.toString(),
                "EXOCOM_LOG_MESSAGES", "false", "EXOCOM_ACK_TIMEOUT", "5s"));
        return builder.start();
    }

    private static boolean ready(int port) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/q/health/ready")).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException | InterruptedException notYet) {
            return false;
        }
    }

    private static void awaitReady(int port, Process process, Path log) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (ready(port)) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the broker ended: " + Files.readString(log));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the broker did not get ready: " + Files.readString(log));
    }

    private static void kill(Process process) throws InterruptedException {
        process.destroyForcibly(); // SIGKILL
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    void nothingAcceptedIsLostAcrossKillsAtRandomMoments() throws Exception {
        long seed = Long.getLong("exocom.crash.seed", System.nanoTime());
        int cycles = Integer.getInteger("exocom.crash.cycles", 10);
        Random random = new Random(seed);
        Path data = Files.createTempDirectory("exocom-crash-");
        Path log = Files.createTempFile("exocom-crash-", ".log");
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        // the dead letters of all cycles must fit the one listing the test reads (GET /dead-letters takes at most
        // 10,000) and the broker's dead-letter bound, or the oldest would be dropped by design, not lost
        int perCycle = Math.max(30, Math.min(1500, 27_000 / cycles));
        Map<String, Long> accepted = new ConcurrentHashMap<>();
        Set<String> sent = ConcurrentHashMap.newKeySet();
        Set<String> delivered = ConcurrentHashMap.newKeySet();
        int duringRecovery = random.nextInt(cycles);
        int killedDuringRecovery = 0;
        for (int cycle = 0; cycle < cycles; cycle++) {
            broker = start(data, port, log);
            if (cycle == duringRecovery) { // once, while it reads its journal back (or starts to)
                Thread.sleep(300 + random.nextInt(1200));
                kill(broker);
                killedDuringRecovery++;
                broker = start(data, port, log);
            }
            awaitReady(port, broker, log);
            if (cycle > 0 && !accepted.isEmpty()) { // an id accepted before a crash keeps its first timestamp
                List<String> known = new ArrayList<>(accepted.keySet());
                String again = known.get(random.nextInt(known.size()));
                Map<String, Long> answer = new ConcurrentHashMap<>();
                Peer probe = Peer.connect(port, "producer", answer, ConcurrentHashMap.newKeySet());
                probe.send(send(again));
                long deadline = System.currentTimeMillis() + 10_000;
                while (!answer.containsKey(again) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(10);
                }
                assertEquals(accepted.get(again), answer.get(again), "seed " + seed + ": " + again + " re-sent after a restart");
                probe.socket.abort();
            }
            // every other cycle a 1.3 producer, whose commands go out before their sync: none may be lost either
            Peer producer = Peer.connect(port, "producer", cycle % 2 == 0 ? "1.3" : "1.1", accepted,
                    ConcurrentHashMap.newKeySet());
            Peer worker = Peer.connect(port, "worker", new ConcurrentHashMap<>(), delivered);
            AtomicBoolean going = new AtomicBoolean(true);
            int c = cycle;
            Thread pipeline = new Thread(() -> {
                for (int n = 0; going.get() && n < perCycle; n++) {
                    String id = "c" + c + "-" + n;
                    sent.add(id);
                    try {
                        producer.send(send(id));
                    } catch (RuntimeException gone) {
                        return;
                    }
                }
            });
            pipeline.start();
            Thread.sleep(200 + random.nextInt(1500));
            kill(broker);
            going.set(false);
            pipeline.join(10_000);
        }
        // the last start: everyone online, everything drained
        broker = start(data, port, log);
        awaitReady(port, broker, log);
        Set<String> offlineGot = ConcurrentHashMap.newKeySet();
        Peer worker = Peer.connect(port, "worker", new ConcurrentHashMap<>(), delivered);
        Peer offline = Peer.connect(port, "offline", new ConcurrentHashMap<>(), offlineGot);
        Set<String> expectedRun = new HashSet<>();
        Set<String> expectedFragile = new HashSet<>();
        Set<String> expectedOffline = new HashSet<>();
        for (String id : accepted.keySet()) {
            int n = Integer.parseInt(id.substring(id.indexOf('-') + 1));
            (n % 3 == 0 ? expectedRun : n % 3 == 1 ? expectedFragile : expectedOffline).add(id);
        }
        long deadline = System.currentTimeMillis() + 120_000;
        Set<String> deadLetters = new HashSet<>();
        while (System.currentTimeMillis() < deadline) {
            deadLetters = deadLetterIds(port);
            if (delivered.containsAll(expectedRun) && offlineGot.containsAll(expectedOffline)
                    && deadLetters.containsAll(expectedFragile)) {
                break;
            }
            Thread.sleep(200);
        }
        Set<String> lost = new HashSet<>(expectedRun);
        lost.removeAll(delivered);
        Set<String> lostOffline = new HashSet<>(expectedOffline);
        lostOffline.removeAll(offlineGot);
        Set<String> lostFragile = new HashSet<>(expectedFragile);
        lostFragile.removeAll(deadLetters);
        Set<String> neverSent = new HashSet<>(delivered);
        neverSent.addAll(offlineGot);
        neverSent.removeAll(sent);
        System.out.printf("CrashRecoveryIT: seed %d, %d kills (%d during recovery), %d sent, %d accepted, %d delivered "
                        + "to worker, %d to offline, %d dead letters; lost %d, never sent but delivered %d%n",
                seed, cycles + killedDuringRecovery, killedDuringRecovery, sent.size(), accepted.size(), delivered.size(),
                offlineGot.size(), deadLetters.size(), lost.size() + lostOffline.size() + lostFragile.size(),
                neverSent.size());
        assertTrue(lost.isEmpty(), "seed " + seed + ": accepted and never delivered: " + sample(lost));
        assertTrue(lostOffline.isEmpty(), "seed " + seed + ": accepted for the offline service and lost: " + sample(lostOffline));
        assertTrue(lostFragile.isEmpty(), "seed " + seed + ": refused copies that are no dead letter: " + sample(lostFragile));
        assertTrue(neverSent.isEmpty(), "seed " + seed + ": delivered but never sent: " + sample(neverSent));
        assertTrue(!Files.readString(log).contains("dead-letter store full"), "seed " + seed
                + ": the test stays within the dead-letter bound");
        assertTrue(accepted.size() > cycles * 10, "seed " + seed + ": the test accepted something: " + accepted.size());
        worker.socket.abort();
        offline.socket.abort();
    }

    /** job.run, job.fragile and job.offline in turn, by the number in the id. */
    private static String send(String id) {
        int n = Integer.parseInt(id.substring(id.indexOf('-') + 1));
        String name = n % 3 == 0 ? "job.run" : n % 3 == 1 ? "job.fragile" : "job.offline";
        return "{\"type\":\"send\",\"message\":{\"name\":\"" + name + "\",\"id\":\"" + id + "\",\"payload\":" + n + "}}";
    }

    private static Set<String> deadLetterIds(int port) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/dead-letters?limit=10000")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Set<String> ids = new HashSet<>();
        for (JsonNode letter : JSON.readTree(body)) {
            ids.add(letter.path("message").path("id").asText());
        }
        return ids;
    }

    private static String sample(Set<String> ids) {
        return ids.stream().limit(10).toList() + (ids.size() > 10 ? " and " + (ids.size() - 10) + " more" : "");
    }
}
