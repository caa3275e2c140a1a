package io.exocom.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --recovery N}: fills a journal with N waiting messages (100 B payloads) for a service that never connects,
 * kills the broker with SIGKILL, starts it again on the same data directory, and reports how long it took until it
 * answered a registration, how long its startup line says recovery took, and the disk bytes per waiting message.
 * The data directory is a temporary one, deleted at the end.
 */
final class RecoveryRun {
    static final String OFFLINE = "bench.offline";
    private static final int WINDOW = 2_000;
    private static final Pattern RECOVERED = Pattern.compile("recovered (\\d+) messages.* in (\\d+) ms");

    private RecoveryRun() {
    }

    /** The queue bounds raised so that N messages may wait; everything else at its default. */
    static Map<String, String> settings(long messages) {
        return Map.of("EXOCOM_STORE", "journal", "EXOCOM_MAX_QUEUE_DEPTH", Long.toString(messages + 1000),
                "EXOCOM_MAX_QUEUE_BYTES", "4G", "EXOCOM_MAX_TOTAL_BYTES", "4G", "EXOCOM_MAX_SEND_RATE", "0");
    }

    static Result run(List<String> command, Path routes, Path logDir, long messages) throws Exception {
        Result result = new Result("recovery", "100 B", Bench.JVM);
        Path dataDir = Files.createTempDirectory("exocom-bench-recovery-");
        try {
            double fillSeconds;
            try (ServerProcess first = ServerProcess.exocom("exocom-recovery-fill", command, routes, logDir,
                    settings(messages), dataDir, false)) {
                long started = System.nanoTime();
                fill(first.port, messages);
                fillSeconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("bench: recovery: %,d messages accepted in %.1f s; RSS %.0f MiB; killing the broker "
                        + "(SIGKILL)%n", messages, fillSeconds, first.rssMiB());
                result.put("RSS with messages waiting MiB", first.rssMiB());
                first.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            long apparent = apparentBytes(dataDir);
            long allocated = allocatedBytes(dataDir);
            result.put("messages", messages).put("fill s", fillSeconds)
                    .put("disk bytes/message (file sizes)", apparent / (double) messages)
                    .put("disk bytes/message (allocated)", allocated / (double) messages);
            try (ServerProcess second = ServerProcess.exocom("exocom-recovery-restart", command, routes, logDir,
                    settings(messages), dataDir, false)) {
                result.put("start to ready ms", second.startMillis());
                String line = Files.readAllLines(second.log).stream().filter(l -> l.contains("store: recovered"))
                        .findFirst().orElse("");
                Matcher m = RECOVERED.matcher(line);
                if (m.find()) {
                    result.put("recovered messages", Long.parseLong(m.group(1)))
                            .put("recovery ms (startup line)", Long.parseLong(m.group(2)));
                }
                result.put("RSS after recovery MiB", second.rssMiB());
                System.out.println("bench: recovery: " + line.substring(Math.max(0, line.indexOf("store:"))));
            }
        } finally {
            ServerProcess.deleteTree(dataDir);
        }
        return result;
    }

    /** Sends N messages to the offline service, at most WINDOW unanswered, and returns once all were accepted. */
    static void fill(int port, long messages) throws IOException {
        String payload = "x".repeat(100);
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        try (WsClient sender = ExoComRaw.register(port, "bench-client", "recovery-filler", 1, 10_000)) {
            sender.startReader("recovery-filler", frame -> {
                if (frame.startsWith("{\"type\":\"accepted\"")) {
                    accepted.incrementAndGet();
                } else {
                    refused.incrementAndGet();
                    ExoComRaw.reportProblem("recovery filler", frame);
                }
            });
            long sent = 0;
            long lastProgress = System.nanoTime();
            while (accepted.get() + refused.get() < messages) {
                if (refused.get() > 0) {
                    throw new IOException("the broker refused " + refused.get() + " sends");
                }
                long answered = accepted.get();
                if (sent < messages && sent - answered < WINDOW) {
                    int batch = (int) Math.min(64, Math.min(messages - sent, WINDOW - (sent - answered)));
                    java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream(batch * 200);
                    for (int i = 0; i < batch; i++) {
                        frames.writeBytes(WsClient.frame(ExoComRaw.send(OFFLINE, "r" + (++sent), null, payload)));
                    }
                    sender.write(frames.toByteArray());
                } else {
                    LockSupport.parkNanos(100_000);
                }
                if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(10)) {
                    lastProgress = System.nanoTime();
                    System.out.printf("bench: recovery: %,d accepted%n", accepted.get());
                }
            }
        }
    }

    static long apparentBytes(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /** Blocks the files take on disk (preallocated but unwritten space of a segment may not count). */
    static long allocatedBytes(Path dir) {
        String du = Bench.command(null, "du", "-s", "--block-size=1", dir.toString());
        try {
            return Long.parseLong(du.split("\\s+")[0]);
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
