package io.exocom.journal.bench;

import io.exocom.journal.Completion;
import io.exocom.journal.Journal;
import io.exocom.journal.JournalException;
import io.exocom.journal.JournalMetrics;
import io.exocom.journal.JournalOptions;
import io.exocom.journal.RecoveryReport;
import io.exocom.journal.SyncMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Measures the journal on this machine: K appenders append records of a given size in sync mode ALWAYS and OS,
 * each keeping {@code window} appends in flight, and a recovery of a big journal. Run it with
 * {@code exocom-journal/bench} (see the module's README); it prints one Markdown table row per figure.
 */
public final class JournalBench {

    private record Settings(Path dir, double seconds, double warmupSeconds, int[] appenders, int[] sizes,
                            SyncMode[] modes, int[] windows, boolean preallocate, long recoveryRecords,
                            int recoverySize) {
    }

    public static void main(String[] args) throws Exception {
        Settings settings = parse(args);
        Files.createDirectories(settings.dir());
        System.out.println("| sync | record | appenders | in flight each | appends/s | syncs/s | records per sync"
                + " | p50 ms | p99 ms |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (SyncMode mode : settings.modes()) {
            for (int size : settings.sizes()) {
                for (int window : settings.windows()) {
                    for (int appenders : settings.appenders()) {
                        System.out.println(run(settings, mode, size, appenders, window));
                    }
                }
            }
        }
        if (settings.recoveryRecords() > 0) {
            recovery(settings);
        }
    }

    private static String run(Settings settings, SyncMode mode, int size, int appenders, int window) throws Exception {
        Path dir = settings.dir().resolve("run");
        deleteTree(dir);
        JournalOptions options = JournalOptions.builder(dir).syncMode(mode).preallocate(settings.preallocate()).build();
        byte[] payload = new byte[size];
        new Random(1).nextBytes(payload);
        long[][] latencies = new long[appenders][];
        int[] counts = new int[appenders];
        AtomicLong failures = new AtomicLong();
        JournalMetrics before;
        JournalMetrics after;
        long measureFrom;
        long measureTo;
        try (Journal journal = Journal.open(options)) {
            long start = System.nanoTime();
            measureFrom = start + (long) (settings.warmupSeconds() * 1e9);
            measureTo = measureFrom + (long) (settings.seconds() * 1e9);
            List<Thread> threads = new ArrayList<>();
            for (int a = 0; a < appenders; a++) {
                int index = a;
                latencies[a] = new long[1 << 16];
                long stopAt = measureTo;
                Thread thread = new Thread(() -> append(journal, payload, window, stopAt, measureFrom, index,
                        latencies, counts, failures), "appender-" + a);
                threads.add(thread);
            }
            threads.forEach(Thread::start);
            sleepUntil(measureFrom);
            before = journal.metrics();
            sleepUntil(measureTo);
            after = journal.metrics();
            for (Thread thread : threads) {
                thread.join();
            }
        }
        deleteTree(dir);
        long total = 0;
        for (int count : counts) {
            total += count;
        }
        long[] all = new long[(int) total];
        int at = 0;
        for (int a = 0; a < appenders; a++) {
            System.arraycopy(latencies[a], 0, all, at, counts[a]);
            at += counts[a];
        }
        Arrays.sort(all);
        double seconds = (measureTo - measureFrom) / 1e9;
        long syncs = after.syncs() - before.syncs();
        long records = after.records() - before.records();
        long batches = after.batches() - before.batches();
        double perSync = mode == SyncMode.ALWAYS ? (syncs == 0 ? 0 : (double) records / syncs)
                : (batches == 0 ? 0 : (double) records / batches);
        if (failures.get() > 0) {
            System.err.println("JournalBench: " + failures.get() + " appends failed");
        }
        return String.format(Locale.ROOT, "| %s | %s | %d | %d | %,.0f | %,.0f | %.1f%s | %.2f | %.2f |",
                mode.name().toLowerCase(Locale.ROOT), size >= 1024 ? size / 1024 + " KB" : size + " B", appenders,
                window, total / seconds, syncs / seconds, perSync, mode == SyncMode.OS ? " (per write)" : "",
                percentile(all, 0.50) / 1e6, percentile(all, 0.99) / 1e6);
    }

    /** One appender: keeps {@code window} appends in flight and notes each one's append-to-completion time. */
    private static void append(Journal journal, byte[] payload, int window, long stopAt, long measureFrom, int index,
                               long[][] latencies, int[] counts, AtomicLong failures) {
        Semaphore inFlight = new Semaphore(window);
        while (System.nanoTime() < stopAt) {
            inFlight.acquireUninterruptibly();
            long begin = System.nanoTime();
            journal.append(1, payload, new Completion() {
                @Override
                public void completed(long position) {
                    long end = System.nanoTime();
                    // only the completion thread writes these; they are read after close (which joins it)
                    if (begin >= measureFrom && end <= stopAt) {
                        int n = counts[index];
                        if (n == latencies[index].length) {
                            latencies[index] = Arrays.copyOf(latencies[index], n * 2);
                        }
                        latencies[index][n] = end - begin;
                        counts[index] = n + 1;
                    }
                    inFlight.release();
                }

                @Override
                public void failed(JournalException error) {
                    failures.incrementAndGet();
                    inFlight.release();
                }
            });
        }
        inFlight.acquireUninterruptibly(window);
    }

    /** Writes a journal of many records, then times opening (verifying every record) and replaying it. */
    private static void recovery(Settings settings) throws Exception {
        Path dir = settings.dir().resolve("recovery");
        deleteTree(dir);
        byte[] payload = new byte[settings.recoverySize()];
        new Random(2).nextBytes(payload);
        Semaphore inFlight = new Semaphore(10_000);
        try (Journal journal = Journal.open(JournalOptions.builder(dir).syncMode(SyncMode.OS).build())) {
            Completion done = new Completion() {
                @Override
                public void completed(long position) {
                    inFlight.release();
                }

                @Override
                public void failed(JournalException error) {
                    inFlight.release();
                }
            };
            for (long i = 0; i < settings.recoveryRecords(); i++) {
                inFlight.acquireUninterruptibly();
                journal.append(1, payload, done);
            }
        }
        long diskBytes = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                diskBytes += Files.size(file);
            }
        }
        System.out.println();
        System.out.println("| recovery of " + String.format(Locale.ROOT, "%,d", settings.recoveryRecords()) + " records of "
                + settings.recoverySize() + " B | open (verify) ms | replay ms | total ms | records/s | disk bytes per record |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (int round = 1; round <= 3; round++) {
            long begin = System.nanoTime();
            long[] seen = new long[1];
            long opened;
            RecoveryReport report;
            try (Journal journal = Journal.open(JournalOptions.builder(dir).build())) {
                opened = System.nanoTime();
                report = journal.recoveryReport();
                journal.replay((position, type, bytes) -> seen[0] += bytes.remaining() > 0 ? 1 : 0);
            }
            long end = System.nanoTime();
            if (seen[0] != settings.recoveryRecords() || !report.clean()) {
                throw new IllegalStateException("replayed " + seen[0] + " records: " + report.summary());
            }
            System.out.println(String.format(Locale.ROOT, "| round %d (page cache warm) | %.0f | %.0f | %.0f | %,.0f | %.1f |",
                    round, (opened - begin) / 1e6, (end - opened) / 1e6, (end - begin) / 1e6,
                    settings.recoveryRecords() / ((end - begin) / 1e9), (double) diskBytes / settings.recoveryRecords()));
        }
        deleteTree(dir);
    }

    private static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Math.max(1, left / 1_000_000));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }

    private static Settings parse(String[] args) {
        Path dir = Path.of("exocom-journal/target/bench-data");
        double seconds = 3;
        double warmup = 1;
        int[] appenders = {1, 8, 64};
        int[] sizes = {100, 10 * 1024};
        SyncMode[] modes = {SyncMode.ALWAYS, SyncMode.OS};
        int[] windows = {1};
        boolean preallocate = true;
        long recoveryRecords = 1_000_000;
        int recoverySize = 300;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i]) {
                case "--dir" -> dir = Path.of(value);
                case "--seconds" -> seconds = Double.parseDouble(value);
                case "--warmup" -> warmup = Double.parseDouble(value);
                case "--appenders" -> appenders = ints(value);
                case "--sizes" -> sizes = ints(value);
                case "--windows" -> windows = ints(value);
                case "--modes" -> modes = Arrays.stream(value.split(",")).map(m -> SyncMode.valueOf(m.toUpperCase(Locale.ROOT)))
                        .toArray(SyncMode[]::new);
                case "--preallocate" -> preallocate = Boolean.parseBoolean(value);
                case "--recovery-records" -> recoveryRecords = Long.parseLong(value);
                case "--recovery-size" -> recoverySize = Integer.parseInt(value);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; accepted are --dir,"
                        + " --seconds, --warmup, --appenders, --sizes, --windows, --modes, --preallocate, --recovery-records,"
                        + " --recovery-size");
            }
            i++;
        }
        return new Settings(dir, seconds, warmup, appenders, sizes, modes, windows, preallocate, recoveryRecords,
                recoverySize);
    }

    private static int[] ints(String list) {
        return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
    }
}
