package io.exocom.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A broker in a child process (ExoCom in JVM or native mode, or nats-server), listening on 127.0.0.1 on a free
 * port. Knows how long it took from process start to its first accepted connection, and reads its resident memory.
 * Every started process is stopped by {@link #close()} and, should the harness end otherwise (Ctrl-C, a failure),
 * by a shutdown hook.
 */
final class ServerProcess implements AutoCloseable {
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ServerProcess::stop), "bench-stop-servers"));
    }

    /** Connects a client the way the broker's users do and returns once the broker answered; throws while not ready. */
    interface Probe {
        void connect(int port) throws IOException;
    }

    final String label;
    final int port;
    final Process process;
    final Path log;
    private final long startedNanos;
    private long firstConnectionNanos;
    /** A temporary data directory that close() deletes, or null. */
    private Path dataDir;
    /** Further files or directories that close() deletes (a JetStream store directory). */
    final List<Path> deleteOnClose = new ArrayList<>();

    private ServerProcess(String label, int port, Process process, Path log, long startedNanos) {
        this.label = label;
        this.port = port;
        this.process = process;
        this.log = log;
        this.startedNanos = startedNanos;
        RUNNING.add(process);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    /** ExoCom: {@code command} is the JVM or native command line up to (excluding) the broker's own options. */
    static ServerProcess exocom(String label, List<String> command, Path routes, Path logDir) throws IOException {
        return exocom(label, command, routes, logDir, Map.of());
    }

    /**
     * ExoCom with {@code settings} added to its environment (e.g. {@code EXOCOM_STORE=memory}). Its journal lives in a
     * fresh temporary directory that {@link #close()} deletes.
     */
    static ServerProcess exocom(String label, List<String> command, Path routes, Path logDir,
                                Map<String, String> settings) throws IOException {
        Path dataDir = Files.createTempDirectory("exocom-bench-data-");
        return exocom(label, command, routes, logDir, settings, dataDir, true);
    }

    /** ExoCom on a given data directory, deleted on close when {@code ownsDataDir}. */
    static ServerProcess exocom(String label, List<String> command, Path routes, Path logDir,
                                Map<String, String> settings, Path dataDir, boolean ownsDataDir) throws IOException {
        int port = freePort();
        Files.createDirectories(logDir); // a fresh clone has no results/logs yet: the data directory goes inside it
        List<String> full = new ArrayList<>(command);
        full.addAll(List.of("--routes", routes.toString(), "--port", Integer.toString(port)));
        Map<String, String> env = new java.util.HashMap<>(Map.of("EXOCOM_LOG_MESSAGES", "false",
                "EXOCOM_HOST_BIND", "127.0.0.1", "EXOCOM_PORT", Integer.toString(port),
                "EXOCOM_DATA_DIR", dataDir.toString()));
        env.putAll(settings);
        try {
            ServerProcess server = launch(label, full, env, port, logDir, ServerProcess::probeExoCom);
            server.dataDir = ownsDataDir ? dataDir : null;
            return server;
        } catch (IOException | RuntimeException e) {
            if (ownsDataDir) {
                deleteTree(dataDir);
            }
            throw e;
        }
    }

    /** Deletes a directory and everything in it; what cannot be deleted is left. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp dir
        }
    }

    /**
     * nats-server with JetStream, its store in a temporary directory that {@link #close()} deletes, and
     * {@code sync_interval: always} when {@code syncAlways} (else the server's default: a sync every 2 minutes).
     */
    static ServerProcess jetStream(String label, String executable, Path logDir, boolean syncAlways) throws IOException {
        Path dir = Files.createTempDirectory("exocom-bench-jetstream-");
        Path config = dir.resolve("nats.conf");
        Files.writeString(config, "jetstream {\n  store_dir: \"" + dir.resolve("store") + "\"\n"
                + (syncAlways ? "  sync_interval: always\n" : "") + "}\n");
        int port = freePort();
        try {
            ServerProcess server = launch(label, List.of(executable, "-c", config.toString(), "-a", "127.0.0.1", "-p",
                    Integer.toString(port)), Map.of(), port, logDir, ServerProcess::probeNats);
            server.deleteOnClose.add(dir);
            return server;
        } catch (IOException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    static ServerProcess nats(String executable, Path logDir) throws IOException {
        int port = freePort();
        return launch("nats", List.of(executable, "-a", "127.0.0.1", "-p", Integer.toString(port)), Map.of(), port,
                logDir, ServerProcess::probeNats);
    }

    private static ServerProcess launch(String label, List<String> command, Map<String, String> env, int port,
                                        Path logDir, Probe probe) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(label + "-" + port + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().keySet().removeIf(name -> name.startsWith("EXOCOM_")); // the broker refuses strangers
        builder.environment().putAll(env);
        long started = System.nanoTime();
        Process process = builder.start();
        ServerProcess server = new ServerProcess(label, port, process, log, started);
        try {
            server.awaitFirstConnection(probe, 120_000);
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private void awaitFirstConnection(Probe probe, long limitMillis) throws IOException {
        long deadline = startedNanos + TimeUnit.MILLISECONDS.toNanos(limitMillis);
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(label + " exited with " + process.exitValue() + " before it accepted a connection:\n"
                        + tail());
            }
            try {
                probe.connect(port);
                firstConnectionNanos = System.nanoTime();
                return;
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException(label + " accepted no connection within " + limitMillis + " ms: " + last + "\n" + tail());
    }

    /** Milliseconds from process start until a client's connection was accepted and answered. */
    double startMillis() {
        return (firstConnectionNanos - startedNanos) / 1e6;
    }

    /** VmRSS of the process in MiB, from /proc. */
    double rssMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone, or not Linux
        }
        return Double.NaN;
    }

    /** CPU time (user + system) the process has used so far, in seconds, from /proc; NaN where unknown. */
    double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields from the third of proc(5): utime is the 14th, stime the 15th
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / (double) CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static final long CLOCK_TICKS = clockTicks();

    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            getconf.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (IOException | InterruptedException | NumberFormatException e) {
            return 100;
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /**
     * One counter or gauge of an ExoCom broker's Prometheus endpoint, summed over its labels; NaN when the broker
     * does not have it (the memory store has no journal metrics).
     */
    double metric(String name) throws IOException, InterruptedException {
        java.net.http.HttpResponse<String> response = METRICS.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        double sum = Double.NaN;
        for (String line : response.body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                sum = Double.isNaN(sum) ? value : sum + value;
            }
        }
        return sum;
    }

    private static final java.net.http.HttpClient METRICS = java.net.http.HttpClient.newHttpClient();

    /** A WebSocket connection that registers and gets {@code registered}. */
    static void probeExoCom(int port) throws IOException {
        try (WsClient ws = ExoComRaw.register(port, "bench-probe", "probe-" + System.nanoTime(), 1, 2_000)) {
            // registered
        }
    }

    /** A NATS connection: INFO, CONNECT, PING answered by PONG. */
    static void probeNats(int port) throws IOException {
        try (Socket socket = NatsRaw.connect(port, "bench-probe", null, 2_000)) {
            // connected
        }
    }

    private static void stop(Process process) {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop(process);
        RUNNING.remove(process);
        deleteTree(dataDir);
        deleteOnClose.forEach(ServerProcess::deleteTree);
    }
}
