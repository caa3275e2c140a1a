package io.exocom.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code --soak 5m --rate 3000}: request/reply (100 B, 2 responder instances, raw clients with acks) at a fixed
 * rate for the given time, against a broker with every ExoCom default (journal, sync always) and a pod-sized heap,
 * sampling its resident memory (VmRSS) every few seconds. Reports the largest and the last sample and whether
 * the broker stayed under a 512 MiB pod limit.
 *
 * <p>The JVM options are bin/exocom's ({@link #BIN_EXOCOM_OPTS}) unless --broker-opts gives
 * others, e.g. {@code -XX:MaxRAM=512m -XX:MaxRAMPercentage=80} for what the container image's start script gives
 * a JVM in a pod with a 512 MiB limit.
 */
final class SoakRun {
    static final List<String> BIN_EXOCOM_OPTS = List.of("-XX:+ExitOnOutOfMemoryError", "-Xmx256m",
            "-XX:+UseSerialGC", "-Xms16m", "-XX:TrimNativeHeapInterval=1000");
    static final double POD_LIMIT_MIB = 512;
    private static final long SAMPLE_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Most requests without a reply before the pacing waits: the broker falling behind shows as a lower rate. */
    private static final int MAX_OUTSTANDING = 10_000;

    private SoakRun() {
    }

    static Duration duration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        if (t.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        if (t.endsWith("h")) {
            return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        throw new IllegalArgumentException("--soak takes a duration such as 300s, 5m or 1h, not " + text);
    }

    static Result run(Bench bench, Path routes, Duration length, int rate) throws Exception {
        List<String> command = new ArrayList<>(bench.jvmCommand());
        List<String> opts = bench.brokerOptions().isEmpty() ? BIN_EXOCOM_OPTS : bench.brokerOptions();
        command.removeAll(bench.brokerOptions());
        command.addAll(1, opts);
        System.out.println("bench: soak broker: " + String.join(" ", command));
        Result result = new Result("soak", "100 B", Bench.JVM);
        try (ServerProcess server = ServerProcess.exocom("exocom-soak", command, routes, bench.logDir(), Map.of());
             Driver.RequestReply rr = new ExoComRaw(Bench.RAW, server).openRequestReply(Bench.RESPONDERS, "x".repeat(100))) {
            AtomicLong replies = new AtomicLong();
            Runnable onReply = replies::incrementAndGet;
            long start = System.nanoTime();
            long end = start + length.toNanos();
            long nextSample = start;
            long sent = 0;
            double maxRss = 0;
            List<String> samples = new ArrayList<>();
            while (true) {
                long now = System.nanoTime();
                if (now >= nextSample) {
                    double rss = server.rssMiB();
                    maxRss = Math.max(maxRss, rss);
                    samples.add(String.format(java.util.Locale.ROOT, "%.0f", rss));
                    System.out.printf("bench: soak %4.0f s: RSS %.0f MiB, %,d sent, %,d answered, load %s%n",
                            (now - start) / 1e9, rss, sent, replies.get(), Bench.loadAverage());
                    nextSample += SAMPLE_NANOS;
                    if (!server.process.isAlive()) {
                        throw new IllegalStateException("the broker ended with " + server.process.exitValue()
                                + " after " + (now - start) / 1_000_000_000 + " s:\n" + server.tail());
                    }
                }
                if (now >= end) {
                    break;
                }
                long due = (long) ((now - start) / 1e9 * rate);
                if (sent < due && sent - replies.get() < MAX_OUTSTANDING) {
                    rr.request(onReply);
                    sent++;
                } else {
                    LockSupport.parkNanos(50_000);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (replies.get() < sent && System.nanoTime() < drainUntil) {
                LockSupport.parkNanos(1_000_000);
            }
            double last = server.rssMiB();
            maxRss = Math.max(maxRss, last);
            System.out.println("bench: soak RSS samples MiB: " + String.join(" ", samples));
            result.put("seconds", seconds).put("target req/s", rate).put("sent", sent).put("answered", replies.get())
                    .put("achieved req/s", replies.get() / seconds).put("max RSS MiB", maxRss)
                    .put("last RSS MiB", last).put("under 512 MiB (1 = yes)", maxRss < POD_LIMIT_MIB ? 1 : 0);
        }
        return result;
    }

    static List<String> split(String opts) {
        return opts.isBlank() ? List.of() : Arrays.asList(opts.trim().split("\\s+"));
    }
}
