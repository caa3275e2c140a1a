package io.exocom.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The benchmark harness: ExoCom (JVM mode, and native mode when a native executable was built) and nats-server,
 * both started here on 127.0.0.1, driven with the same scenarios and payloads. Prints a table of ExoCom, NATS and
 * their ratio, and writes the figures with the machine's facts as JSON.
 *
 * <pre>
 * Bench [--quick | --full | --smoke] [--root DIR] [--out DIR] [--nats PATH] [--broker-opts "JVM OPTIONS"] [--baseline JAR]
 *       [--systems exocom-raw,exocom-raw-memory,exocom-relay,exocom-relay-memory,exocom-native-raw,nats] [--scenarios round-trip,throughput,fan-out,scale,start]
 * </pre>
 */
public final class Bench {
    static final String RAW = "exocom-raw";
    static final String RELAY = "exocom-relay";
    /** The same clients against a second broker with EXOCOM_STORE=memory (the others use the journal, sync always). */
    static final String RAW_MEMORY = "exocom-raw-memory";
    static final String RELAY_MEMORY = "exocom-relay-memory";
    static final String JVM = "exocom-jvm";
    static final String JVM_MEMORY = "exocom-jvm-memory";
    /** The JVM broker started with an AppCDS archive of its classes (-XX:SharedArchiveFile): start scenario only. */
    static final String APPCDS = "exocom-appcds";
    static final String NATIVE = "exocom-native-raw";
    static final String NATS = "nats";
    /** NATS JetStream, file storage, one replica: with sync_interval always, and with the server's default. */
    static final String JS_ALWAYS = "nats-js-always";
    static final String JS_DEFAULT = "nats-js-default";
    /** A second ExoCom build (--baseline JAR), measured alongside with the raw client: for before/after figures. */
    static final String BASELINE = "exocom-baseline-raw";
    static final List<String> ALL_SCENARIOS = List.of("round-trip", "throughput", "fan-out", "scale", "start");

    /** How long and how often: quick for repeated runs, full for the published figures, smoke for the build. */
    record Mode(String name, int rtWarmup, int rtMeasured, double warmupSeconds, double measureSeconds,
                int scaleConnections, int startRepeats, double jitWarmupSeconds) {
        static Mode of(String name) {
            return switch (name) {
                case "full" -> new Mode("full", 5_000, 20_000, 3, 10, 2_000, 3, 20);
                case "smoke" -> new Mode("smoke", 20, 100, 0.2, 0.8, 20, 1, 0);
                default -> new Mode("quick", 500, 2_000, 0.5, 2, 2_000, 1, 6);
            };
        }
    }

    /** Held so that its level stays set. */
    private static final java.util.logging.Logger RELAY_LOG = java.util.logging.Logger.getLogger("io.exocom.relay");

    static {
        // the relays log every connect and close at INFO; the harness prints its own progress
        RELAY_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    static final Map<String, String> PAYLOADS = new LinkedHashMap<>();

    static {
        PAYLOADS.put("100 B", "x".repeat(100));
        PAYLOADS.put("10 KB", "x".repeat(10_240));
    }

    static final int IN_FLIGHT = 32;
    static final int RESPONDERS = 2;
    static final int RECEIVERS = 3;
    static final int FAN_OUT_WINDOW = 1_000;

    private final Mode mode;
    private final Path root;
    private final Path out;
    private final String natsExecutable;
    private final List<String> brokerOpts;
    private Path baseline;
    private final Set<String> systems;
    private final Set<String> scenarios;
    private final List<Result> results = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    Bench(Mode mode, Path root, Path out, String natsExecutable, List<String> brokerOpts, Set<String> systems,
          Set<String> scenarios) {
        this.mode = mode;
        this.root = root;
        this.out = out;
        this.natsExecutable = natsExecutable;
        this.brokerOpts = brokerOpts;
        this.systems = systems;
        this.scenarios = scenarios;
    }

    public static void main(String[] args) throws Exception {
        String modeName = "quick";
        Path root = Path.of(".").toAbsolutePath().normalize();
        Path out = null;
        String nats = null;
        String brokerOpts = System.getenv().getOrDefault("EXOCOM_BENCH_BROKER_OPTS", "");
        Path baselineJar = null;
        Set<String> systems = new LinkedHashSet<>(List.of(RAW, RAW_MEMORY, RELAY, RELAY_MEMORY, NATIVE, NATS, JS_ALWAYS, JS_DEFAULT));
        Set<String> scenarios = new LinkedHashSet<>(ALL_SCENARIOS);
        long recovery = 0;
        java.time.Duration soak = null;
        int rate = 3000;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> modeName = "quick";
                    case "--full" -> modeName = "full";
                    case "--smoke" -> modeName = "smoke";
                    case "--root" -> root = Path.of(args[++i]).toAbsolutePath().normalize();
                    case "--out" -> out = Path.of(args[++i]);
                    case "--nats" -> nats = args[++i];
                    case "--broker-opts" -> brokerOpts = args[++i];
                    case "--baseline" -> baselineJar = Path.of(args[++i]).toAbsolutePath();
                    case "--recovery" -> recovery = Long.parseLong(args[++i].replace(",", "").replace("_", ""));
                    case "--soak" -> soak = SoakRun.duration(args[++i]);
                    case "--rate" -> rate = Integer.parseInt(args[++i]);
                    case "--systems" -> systems = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
                    case "--scenarios" -> scenarios = new LinkedHashSet<>(Arrays.asList(args[++i].split(",")));
                    case "--payloads" -> keepPayloads(args[++i]);
                    case "-h", "--help" -> {
                        System.out.println("exocom-bench/run [--quick | --full] [--systems LIST] [--scenarios LIST] "
                                + "[--payloads 100B,10KB] [--broker-opts \"JVM OPTIONS\"] [--baseline OTHER/quarkus-run.jar]\n"
                                + "exocom-bench/run --recovery N          N waiting messages, SIGKILL, restart: time to ready\n"
                                + "exocom-bench/run --soak 5m [--rate 3000] [--broker-opts \"-Xmx...\"]   RSS under load");
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            // a mistyped option is the user's mistake: one sentence, no stack trace
            String what = e instanceof ArrayIndexOutOfBoundsException ? "an option is missing its value" : e.getMessage();
            System.err.println("exocom-bench: " + what + " (see --help)");
            System.exit(2);
        }
        if (out == null) {
            out = root.resolve("exocom-bench/results");
        }
        if (nats == null) {
            nats = findOnPath("nats-server");
        }
        // the relays log every connect and close at INFO; the harness prints its own progress
        List<String> opts = brokerOpts.isBlank() ? List.of() : Arrays.asList(brokerOpts.trim().split("\\s+"));
        Bench bench = new Bench(Mode.of(modeName), root, out, nats, opts, systems, scenarios);
        bench.baseline = baselineJar;
        if (recovery > 0 || soak != null) {
            bench.runModes(recovery, soak, rate);
            return;
        }
        bench.run();
        bench.report();
    }

    /** --payloads 100B,10KB: measure only these payloads (names as in the table, spaces optional). */
    private static void keepPayloads(String list) {
        Set<String> wanted = Arrays.stream(list.split(","))
                .map(name -> name.replace(" ", "").toUpperCase(Locale.ROOT))
                .collect(Collectors.toSet());
        PAYLOADS.keySet().removeIf(name -> !wanted.remove(name.replace(" ", "").toUpperCase(Locale.ROOT)));
        if (!wanted.isEmpty() || PAYLOADS.isEmpty()) {
            throw new IllegalArgumentException("--payloads " + list + ": the payloads are 100B and 10KB");
        }
    }

    static String findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        for (String dir : List.of("/usr/sbin", "/usr/local/sbin", "/sbin")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    Path brokerJar() {
        return Path.of(System.getProperty("exocom.jar", root.resolve("exocom-quarkus/target/quarkus-app/quarkus-run.jar").toString()));
    }

    Path nativeRunner() {
        File[] runners = root.resolve("exocom-quarkus/target").toFile().listFiles((dir, name) -> name.endsWith("-runner"));
        if (runners == null) {
            return null;
        }
        for (File runner : runners) {
            if (runner.isFile() && runner.canExecute()) {
                return runner.toPath();
            }
        }
        return null;
    }

    List<String> brokerOptions() {
        return brokerOpts;
    }

    Path logDir() {
        return out.resolve("logs");
    }

    List<String> jvmCommand() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(brokerOpts);
        command.addAll(List.of("-jar", brokerJar().toString()));
        return command;
    }

    /** Broker kinds to start, by result label: exocom-jvm, exocom-native, nats. */
    private Map<String, List<String>> brokers() {
        Map<String, List<String>> brokers = new LinkedHashMap<>();
        if (systems.contains(RAW) || systems.contains(RELAY)) {
            if (!Files.isRegularFile(brokerJar())) {
                throw new IllegalStateException("no ExoCom broker at " + brokerJar() + ": build it first "
                        + "(./mvnw -pl exocom-quarkus -am package -DskipTests), or use exocom-bench/run");
            }
            brokers.put(JVM, jvmCommand());
        }
        if (systems.contains(RAW_MEMORY) || systems.contains(RELAY_MEMORY)) {
            if (!Files.isRegularFile(brokerJar())) {
                throw new IllegalStateException("no ExoCom broker at " + brokerJar() + ": build it first");
            }
            brokers.put(JVM_MEMORY, jvmCommand());
        }
        if (baseline != null) {
            List<String> command = new ArrayList<>(jvmCommand());
            command.set(command.size() - 1, baseline.toString());
            brokers.put("exocom-baseline", command);
        }
        if (systems.contains(NATIVE)) {
            Path runner = nativeRunner();
            if (runner != null) {
                brokers.put("exocom-native", List.of(runner.toString()));
            } else {
                note("native mode skipped: no exocom-quarkus/target/*-runner (build it with -Dnative)");
            }
        }
        if (systems.contains(NATS)) {
            if (natsExecutable != null) {
                brokers.put("nats", List.of(natsExecutable));
            } else {
                note("NATS skipped: nats-server is not installed (exocom-bench/run builds one)");
            }
        }
        for (String js : List.of(JS_ALWAYS, JS_DEFAULT)) {
            if (systems.contains(js) && natsExecutable != null) {
                brokers.put(js, List.of(natsExecutable));
            }
        }
        return brokers;
    }

    private void note(String text) {
        notes.add(text);
        System.out.println("bench: " + text);
    }

    private ServerProcess start(String label, List<String> command, Path routes) throws IOException {
        if (label.equals(NATS)) {
            return ServerProcess.nats(command.get(0), out.resolve("logs"));
        }
        if (label.equals(JS_ALWAYS) || label.equals(JS_DEFAULT)) {
            return ServerProcess.jetStream(label, command.get(0), out.resolve("logs"), label.equals(JS_ALWAYS));
        }
        // every client of the bench comes from 127.0.0.1, pods from many addresses: the scale scenario's 2,000
        // connections need more than the default 1,000 per address
        return ServerProcess.exocom(label, command, routes, out.resolve("logs"),
                Map.of("EXOCOM_STORE", label.equals(JVM_MEMORY) ? "memory" : "journal",
                        "EXOCOM_MAX_CONNECTIONS_PER_ADDRESS", Integer.toString(mode.scaleConnections() + 100)));
    }

    Path writeRoutes() throws IOException {
        Path dir = Files.createTempDirectory("exocom-bench-");
        dir.toFile().deleteOnExit();
        StringBuilder routes = new StringBuilder("services:\n")
                .append("  bench-client:\n    sends: [bench.ping, bench.fanout, bench.offline]\n")
                .append("  bench-echo:\n    receives: [bench.ping]\n    sends: [bench.pong]\n")
                .append("  bench-scale:\n    receives: [bench.scale]\n")
                .append("  bench-probe:\n    sends: [bench.probe]\n")
                .append("  bench-offline:\n    receives: [bench.offline]\n");
        for (int i = 1; i <= RECEIVERS; i++) {
            routes.append("  bench-fan-").append(i).append(":\n    receives: [bench.fanout]\n");
        }
        Path file = dir.resolve("routes.yaml");
        Files.writeString(file, routes);
        file.toFile().deleteOnExit();
        return file;
    }

    /** --recovery N and --soak DURATION: each on its own broker, figures printed and written to MODE.json/.md. */
    void runModes(long recovery, java.time.Duration soak, int rate) throws Exception {
        facts.put("loadavg_start", loadAverage());
        Path routes = writeRoutes();
        if (recovery > 0) {
            System.out.printf("bench: recovery of %,d waiting messages; load average %s%n", recovery, loadAverage());
            record(RecoveryRun.run(jvmCommand(), routes, out.resolve("logs"), recovery));
        }
        if (soak != null) {
            System.out.printf("bench: soak for %s at %,d requests/s; load average %s%n", soak, rate, loadAverage());
            record(SoakRun.run(this, routes, soak, rate));
        }
        facts.put("loadavg_end", loadAverage());
        StringBuilder md = new StringBuilder("| mode | figure | value |\n|---|---|---:|\n");
        for (Result result : results) {
            if (result.failure != null) {
                md.append("| ").append(result.scenario).append(" | FAILED | ").append(result.failure).append(" |\n");
            }
            result.figures.forEach((k, v) -> md.append("| ").append(result.scenario).append(" | ").append(k)
                    .append(" | ").append(format(v)).append(" |\n"));
        }
        String name = recovery > 0 && soak != null ? "recovery-soak" : recovery > 0 ? "recovery" : "soak";
        System.out.println();
        System.out.println(md);
        System.out.println("machine: " + machineFacts());
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode json = mapper.createObjectNode();
        json.put("mode", name);
        json.put("finished", Instant.now().toString());
        json.set("machine", mapper.valueToTree(machineFacts()));
        ArrayNode list = json.putArray("results");
        for (Result result : results) {
            ObjectNode item = list.addObject();
            item.put("scenario", result.scenario);
            if (result.failure != null) {
                item.put("failure", result.failure);
            }
            ObjectNode figures = item.putObject("figures");
            result.figures.forEach((k, v) -> figures.put(k, round(v)));
        }
        json.put("table_markdown", md.toString());
        Files.createDirectories(out);
        Files.writeString(out.resolve(name + ".json"), mapper.writeValueAsString(json) + "\n");
        Files.writeString(out.resolve(name + ".md"), md.toString());
        System.out.println("bench: results in " + out.resolve(name + ".json"));
    }

    List<Result> results() {
        return results;
    }

    List<String> notes() {
        return notes;
    }

    void run() throws Exception {
        long started = System.nanoTime();
        facts.put("loadavg_start", loadAverage());
        Path routes = writeRoutes();
        Map<String, List<String>> brokers = brokers();
        System.out.printf("bench: %s mode; brokers %s; %d cores; load average %s%n", mode.name(), brokers.keySet(),
                Runtime.getRuntime().availableProcessors(), loadAverage());

        // (5) start and (4) scale: each on a freshly started broker
        for (Map.Entry<String, List<String>> broker : brokers.entrySet()) {
            if (broker.getKey().startsWith("nats-js")) {
                continue; // the same nats-server as core NATS: its start and connections are measured there
            }
            if (scenarios.contains("start")) {
                for (int r = 0; r < mode.startRepeats(); r++) {
                    Result result = new Result("start", "-", broker.getKey());
                    try (ServerProcess server = start(broker.getKey(), broker.getValue(), routes)) {
                        Thread.sleep(mode.name().equals("full") ? 2000 : mode.name().equals("smoke") ? 200 : 1000);
                        result.put("first connection ms", server.startMillis()).put("idle RSS MiB", server.rssMiB());
                    } catch (Exception e) {
                        result.failure = e.toString();
                    }
                    record(result);
                }
            }
            if (scenarios.contains("scale")) {
                Result result;
                try (ServerProcess server = start(broker.getKey(), broker.getValue(), routes)) {
                    Thread.sleep(mode.name().equals("full") ? 2000 : mode.name().equals("smoke") ? 200 : 1000);
                    Scenarios.Connector connector = broker.getKey().equals(NATS) ? Scenarios.natsConnector(server.port)
                            : Scenarios.exocomConnector(server.port);
                    result = Scenarios.scale(server, connector, mode.scaleConnections(), 8);
                } catch (Exception e) {
                    result = new Result("scale", "-", broker.getKey());
                    result.failure = e.toString();
                }
                record(result);
            }
        }

        if (scenarios.contains("start") && brokers.containsKey(JVM)) {
            measureAppCdsStart(routes);
        }

        // (1)-(3) traffic: all brokers up at once, scenarios interleaved across systems so that load from other
        // work on the machine falls on all of them alike
        List<String> traffic = ALL_SCENARIOS.stream().filter(s -> !s.equals("scale") && !s.equals("start"))
                .filter(scenarios::contains).toList();
        if (!traffic.isEmpty()) {
            Map<String, ServerProcess> servers = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, List<String>> broker : brokers.entrySet()) {
                    servers.put(broker.getKey(), start(broker.getKey(), broker.getValue(), routes));
                }
                List<Driver> drivers = new ArrayList<>();
                if (servers.containsKey(JVM) && systems.contains(RAW)) {
                    drivers.add(new ExoComRaw(RAW, servers.get(JVM)));
                }
                if (servers.containsKey(JVM_MEMORY) && systems.contains(RAW_MEMORY)) {
                    drivers.add(new ExoComRaw(RAW_MEMORY, servers.get(JVM_MEMORY)));
                }
                if (servers.containsKey(JVM) && systems.contains(RELAY)) {
                    drivers.add(new ExoComRelay(RELAY, servers.get(JVM)));
                }
                if (servers.containsKey(JVM_MEMORY) && systems.contains(RELAY_MEMORY)) {
                    drivers.add(new ExoComRelay(RELAY_MEMORY, servers.get(JVM_MEMORY)));
                }
                if (servers.containsKey("exocom-baseline")) {
                    drivers.add(new ExoComRaw(BASELINE, servers.get("exocom-baseline")));
                }
                if (servers.containsKey("exocom-native")) {
                    drivers.add(new ExoComRaw(NATIVE, servers.get("exocom-native")));
                }
                if (servers.containsKey("nats")) {
                    drivers.add(new NatsDriver(servers.get("nats")));
                }
                for (String js : List.of(JS_ALWAYS, JS_DEFAULT)) {
                    if (servers.containsKey(js)) {
                        drivers.add(new JetStreamDriver(js, servers.get(js)));
                    }
                }
                jitWarmup(drivers);
                // Systems take turns, first in one figure and last in the next: a broker measured right after
                // another one's heavy traffic shares the cores with that one's leftover JIT and GC work.
                List<Driver> reversed = new ArrayList<>(drivers);
                java.util.Collections.reverse(reversed);
                int figure = 0;
                for (String scenario : traffic) {
                    for (Map.Entry<String, String> payload : PAYLOADS.entrySet()) {
                        for (Driver driver : figure++ % 2 == 0 ? drivers : reversed) {
                            ServerProcess journal = driver.label().equals(RAW) || driver.label().equals(RELAY)
                                    ? servers.get(JVM) : null;
                            JournalSyncs before = journal != null && scenario.equals("round-trip")
                                    ? JournalSyncs.read(journal) : null;
                            Result result = runTraffic(scenario, driver, payload.getKey(), payload.getValue());
                            if (before != null && result.failure == null) {
                                before.meanSyncMicrosUntil(JournalSyncs.read(journal))
                                        .ifPresent(micros -> result.put(MEAN_SYNC, micros));
                            }
                            record(result);
                        }
                    }
                }
                for (ServerProcess server : servers.values()) {
                    facts.put("rss_after_traffic_MiB_" + server.label, round(server.rssMiB()));
                }
            } finally {
                servers.values().forEach(ServerProcess::close);
            }
        }
        facts.put("loadavg_end", loadAverage());
        facts.put("duration_s", round((System.nanoTime() - started) / 1e9));
    }

    /**
     * JVM start to first answer with an AppCDS archive (the classes the broker loaded, mapped in at start instead of
     * parsed and verified again): the archive is written once by a broker started with -XX:ArchiveClassesAtExit
     * that is stopped with SIGTERM after its first answered registration, then every start uses it. This is the
     * mechanism behind Quarkus' quarkus.package.jar.appcds.enabled, without rebuilding the package.
     */
    private void measureAppCdsStart(Path routes) throws Exception {
        Path archive = Files.createTempDirectory("exocom-bench-appcds-").resolve("exocom.jsa");
        try {
            List<String> dump = new ArrayList<>(jvmCommand());
            dump.add(1, "-XX:ArchiveClassesAtExit=" + archive);
            try (ServerProcess server = start("exocom-appcds-dump", dump, routes)) {
                Thread.sleep(1000);
            }
            if (!Files.isRegularFile(archive)) {
                note("AppCDS start skipped: the JVM wrote no archive");
                return;
            }
            List<String> withArchive = new ArrayList<>(jvmCommand());
            withArchive.add(1, "-XX:SharedArchiveFile=" + archive);
            for (int r = 0; r < mode.startRepeats(); r++) {
                Result result = new Result("start", "-", APPCDS);
                try (ServerProcess server = start(APPCDS, withArchive, routes)) {
                    Thread.sleep(mode.name().equals("full") ? 2000 : mode.name().equals("smoke") ? 200 : 1000);
                    result.put("first connection ms", server.startMillis()).put("idle RSS MiB", server.rssMiB());
                } catch (Exception e) {
                    result.failure = e.toString();
                }
                record(result);
            }
        } finally {
            ServerProcess.deleteTree(archive.getParent());
        }
    }

    /**
     * Before anything is measured, every JVM broker runs the request/reply and fan-out traffic for a while, so that
     * its JIT compiler has done most of its work: the figures are of the broker's steady state (nats-server, a Go
     * program, has no such phase). Each JVM broker is warmed once, through its raw client where that is measured
     * and otherwise through the relay (a run of the relay alone measured a cold broker, at several times its CPU per request).
     * Nothing of this is recorded.
     */
    private void jitWarmup(List<Driver> drivers) {
        if (mode.jitWarmupSeconds() <= 0) {
            return;
        }
        double each = mode.jitWarmupSeconds() / (2 * PAYLOADS.size()); // a throughput and a fan-out per payload
        Map<ServerProcess, Driver> warmers = new LinkedHashMap<>();
        for (Driver driver : drivers) {
            boolean raw = driver.label().equals(RAW) || driver.label().equals(RAW_MEMORY)
                    || driver.label().equals(BASELINE);
            boolean relay = driver.label().equals(RELAY) || driver.label().equals(RELAY_MEMORY);
            if (raw) {
                warmers.put(driver.server(), driver);
            } else if (relay) {
                warmers.putIfAbsent(driver.server(), driver);
            }
        }
        for (Driver driver : warmers.values()) {
            System.out.printf("bench: warming up the JIT of the JVM broker for %.0f s%n", mode.jitWarmupSeconds());
            for (String payload : PAYLOADS.values()) {
                try {
                    Scenarios.throughput(driver, "warm-up", payload, IN_FLIGHT, RESPONDERS, 0, each);
                    Scenarios.fanOut(driver, "warm-up", payload, RECEIVERS, FAN_OUT_WINDOW, 0, each);
                } catch (Exception e) {
                    System.out.println("bench: warm-up failed: " + e);
                }
            }
        }
    }

    /**
     * The figure that checks the journal's round-trip goal on the machine it runs on: every `accepted` waits for
     * one sync of the journal, so its round-trip p50 may be memory's plus the syncs of the command and its reply.
     */
    static final String MEAN_SYNC = "mean journal sync µs";

    /** The broker's sync counters at one moment; the difference of two gives the mean sync time between them. */
    private record JournalSyncs(double syncs, double seconds) {
        static JournalSyncs read(ServerProcess broker) {
            try {
                return new JournalSyncs(broker.metric("exocom_journal_syncs_total"),
                        broker.metric("exocom_journal_sync_time_seconds_total"));
            } catch (Exception e) {
                return new JournalSyncs(Double.NaN, Double.NaN);
            }
        }

        java.util.OptionalDouble meanSyncMicrosUntil(JournalSyncs after) {
            double syncs = after.syncs - this.syncs;
            double seconds = after.seconds - this.seconds;
            return syncs > 0 && !Double.isNaN(seconds) ? java.util.OptionalDouble.of(seconds / syncs * 1e6)
                    : java.util.OptionalDouble.empty();
        }
    }

    private Result runTraffic(String scenario, Driver driver, String payloadName, String payload) {
        try {
            return switch (scenario) {
                case "round-trip" -> Scenarios.roundTrip(driver, payloadName, payload, mode.rtWarmup(), mode.rtMeasured());
                case "throughput" -> Scenarios.throughput(driver, payloadName, payload, IN_FLIGHT, RESPONDERS,
                        mode.warmupSeconds(), mode.measureSeconds());
                case "fan-out" -> Scenarios.fanOut(driver, payloadName, payload, RECEIVERS, FAN_OUT_WINDOW,
                        mode.warmupSeconds(), mode.measureSeconds());
                default -> throw new IllegalArgumentException(scenario);
            };
        } catch (Exception e) {
            Result failed = new Result(scenario, payloadName, driver.label());
            failed.failure = e.toString();
            return failed;
        }
    }

    private void record(Result result) {
        results.add(result);
        System.out.printf("bench: %-10s %-6s %-18s %s%n", result.scenario, result.payload, result.system,
                result.failure != null ? "FAILED: " + result.failure : result.figures.entrySet().stream()
                        .map(e -> e.getKey() + "=" + format(e.getValue())).collect(Collectors.joining(" ")));
    }

    // ------------------------------------------------------------------ report

    private final Map<String, Object> facts = new LinkedHashMap<>();

    static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    static String format(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        if (Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (Math.abs(value) >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }

    /** Which table column a result belongs to: start and scale are per broker, the others per client. */
    static String column(Result result) {
        return switch (result.system) {
            case JVM -> RAW;
            case JVM_MEMORY -> RAW_MEMORY;
            case "exocom-native" -> NATIVE;
            case "exocom-baseline" -> BASELINE;
            default -> result.system;
        };
    }

    /** For the figures where lower is better, a ratio above 1 means ExoCom is behind. */
    static boolean lowerIsBetter(String figure) {
        return figure.contains("µs") || figure.contains("ms") || figure.contains("RSS") || figure.contains("KiB");
    }

    /** Medians over repeated runs (start) and one value otherwise, per scenario/payload/figure/column. */
    Map<String, Map<String, Double>> table() {
        Map<String, Map<String, List<Double>>> all = new LinkedHashMap<>();
        for (Result result : results) {
            if (result.failure != null) {
                continue;
            }
            for (Map.Entry<String, Double> figure : result.figures.entrySet()) {
                if (figure.getKey().equals("count") || figure.getKey().equals("sent") || figure.getKey().equals("delivered to each") || figure.getKey().equals("connections")
                        || figure.getKey().startsWith("p90") || figure.getKey().equals("RSS before MiB")) {
                    continue;
                }
                String row = result.scenario + " | " + result.payload + " | " + figure.getKey();
                all.computeIfAbsent(row, r -> new LinkedHashMap<>())
                        .computeIfAbsent(column(result), c -> new ArrayList<>()).add(figure.getValue());
            }
        }
        Map<String, Map<String, Double>> table = new LinkedHashMap<>();
        all.forEach((row, columns) -> {
            Map<String, Double> cells = new LinkedHashMap<>();
            columns.forEach((column, values) -> {
                List<Double> sorted = values.stream().sorted().toList();
                cells.put(column, sorted.get(sorted.size() / 2));
            });
            table.put(row, cells);
        });
        return table;
    }

    String markdown() {
        List<String> columns = new ArrayList<>();
        for (String system : List.of(RAW, RAW_MEMORY, BASELINE, APPCDS, RELAY, RELAY_MEMORY, NATIVE, NATS, JS_ALWAYS, JS_DEFAULT)) {
            if (results.stream().anyMatch(r -> column(r).equals(system))) {
                columns.add(system);
            }
        }
        // ratios: every ExoCom column to core NATS, and the journal's to JetStream with sync always (its durable peer)
        List<String[]> ratios = new ArrayList<>();
        for (String c : columns) {
            if (c.startsWith("exocom-") && columns.contains(NATS)) {
                ratios.add(new String[]{c, NATS});
            }
        }
        for (String c : List.of(RAW, RELAY)) {
            if (columns.contains(c) && columns.contains(JS_ALWAYS)) {
                ratios.add(new String[]{c, JS_ALWAYS});
            }
        }
        StringBuilder md = new StringBuilder("| scenario | payload | figure | ");
        md.append(String.join(" | ", columns));
        ratios.forEach(r -> md.append(" | ").append(r[0].replace("exocom-", "")).append(" ÷ ").append(r[1].replace("nats-", "")));
        md.append(" |\n|---|---|---|");
        md.append("---:|".repeat(columns.size() + ratios.size())).append('\n');
        table().forEach((row, cells) -> {
            md.append("| ").append(row).append(" | ");
            md.append(columns.stream().map(c -> cells.containsKey(c) ? format(cells.get(c)) : "–")
                    .collect(Collectors.joining(" | ")));
            for (String[] r : ratios) {
                Double value = cells.get(r[0]);
                Double peer = cells.get(r[1]);
                md.append(" | ").append(value == null || peer == null || peer == 0 ? "–"
                        : String.format(Locale.ROOT, "%.2f×", value / peer));
            }
            md.append(" |\n");
        });
        md.append(memoryAndStart());
        return md.toString();
    }

    /** The figures of issue 11 that are not one scenario's: memory after the run, per connection, idle, start. */
    String memoryAndStart() {
        Map<String, Map<String, Double>> table = table();
        StringBuilder md = new StringBuilder();
        List<String> lines = new ArrayList<>();
        facts.forEach((key, value) -> {
            if (key.startsWith("rss_after_traffic_MiB_")) {
                lines.add("| RSS after the traffic, MiB | " + key.substring("rss_after_traffic_MiB_".length()) + " | "
                        + format(((Number) value).doubleValue()) + " |");
            }
        });
        addRow(lines, table, "scale | - | KiB/connection", "KiB per registered connection ("
                + mode.scaleConnections() + " idle, RSS delta ÷ " + mode.scaleConnections() + ")");
        addRow(lines, table, "start | - | idle RSS MiB", "idle RSS, MiB");
        addRow(lines, table, "start | - | first connection ms", "process start to first answer, ms");
        if (!lines.isEmpty()) {
            md.append("\n| memory and start | broker | value |\n|---|---|---:|\n");
            lines.forEach(l -> md.append(l).append('\n'));
        }
        return md.toString();
    }

    private static void addRow(List<String> lines, Map<String, Map<String, Double>> table, String row, String name) {
        Map<String, Double> cells = table.get(row);
        if (cells != null) {
            cells.forEach((column, value) -> lines.add("| " + name + " | " + column + " | " + format(value) + " |"));
        }
    }

    Map<String, Object> machineFacts() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", firstMatch(Path.of("/proc/cpuinfo"), "model name"));
        m.put("memory", firstMatch(Path.of("/proc/meminfo"), "MemTotal"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        Properties versions = new Properties();
        try (InputStream in = Bench.class.getResourceAsStream("/exocom-bench.properties")) {
            if (in != null) {
                versions.load(in);
            }
        } catch (IOException ignored) {
            // versions unknown
        }
        m.put("exocom", versions.getProperty("exocom.version", "unknown"));
        m.put("exocom_commit", command(root.toFile(), "git", "describe", "--always", "--dirty"));
        m.put("broker_jvm_options", String.join(" ", brokerOpts));
        m.put("nats_server", natsExecutable == null ? "not installed" : command(null, natsExecutable, "--version"));
        m.put("jnats", versions.getProperty("jnats.version", "unknown"));
        m.put("hdrhistogram", versions.getProperty("hdrhistogram.version", "unknown"));
        m.putAll(facts);
        return m;
    }

    static String firstMatch(Path file, String prefix) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(prefix))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String command(File dir, String... command) {
        try {
            Process process = new ProcessBuilder(command).directory(dir).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0 ? output : "unknown";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    void report() throws IOException {
        String table = markdown();
        Map<String, Object> machine = machineFacts();
        System.out.println();
        System.out.println(table);
        System.out.println("machine: " + machine);
        notes.forEach(n -> System.out.println("note: " + n));

        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode json = mapper.createObjectNode();
        json.put("mode", mode.name());
        json.put("finished", Instant.now().toString());
        json.set("machine", mapper.valueToTree(machine));
        ObjectNode settings = json.putObject("settings");
        settings.set("mode", mapper.valueToTree(mode));
        settings.put("payloads", String.join(", ", PAYLOADS.keySet()));
        settings.put("in_flight", IN_FLIGHT);
        settings.put("responders", RESPONDERS);
        settings.put("receivers", RECEIVERS);
        settings.put("fan_out_window", FAN_OUT_WINDOW);
        ArrayNode list = json.putArray("results");
        for (Result result : results) {
            ObjectNode item = list.addObject();
            item.put("scenario", result.scenario);
            item.put("payload", result.payload);
            item.put("system", result.system);
            if (result.failure != null) {
                item.put("failure", result.failure);
            }
            ObjectNode figures = item.putObject("figures");
            result.figures.forEach((k, v) -> figures.put(k, round(v)));
        }
        json.set("notes", mapper.valueToTree(notes));
        json.put("table_markdown", table);
        Files.createDirectories(out);
        String text = mapper.writeValueAsString(json) + "\n";
        Files.writeString(out.resolve(mode.name() + ".json"), text);
        Files.writeString(out.resolve(mode.name() + ".md"), table);
        if (!mode.name().equals("smoke")) {
            Files.writeString(out.resolve("latest.json"), text);
        }
        System.out.println("bench: results in " + out.resolve(mode.name() + ".json"));
    }
}
