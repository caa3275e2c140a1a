package io.exocom.relay.testing;

import io.exocom.relay.ExoRelay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real ExoCom broker in a child process, for integration tests: {@code java -jar quarkus-run.jar --routes FILE}
 * on a free port, started once it answers {@code GET /q/health/ready}.
 * <pre>{@code
 * try (ExoComProcess exocom = ExoComProcess.start(Path.of("exoservices"))) {
 *     ExoRelay todos = exocom.relay("todos").build();
 *     ...
 * }
 * }</pre>
 * The broker's jar is the system property {@code exocom.jar}, by default
 * {@code ../exocom-quarkus/target/quarkus-app/quarkus-run.jar}. Its output goes to a log file, see {@link #log()}.
 */
public final class ExoComProcess implements AutoCloseable {
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Path jar;
    private final Path routes;
    private final Map<String, String> environment;
    private final int port;
    private final Path logFile;
    private final Path dataDir;
    private Process process;

    private ExoComProcess(Path jar, Path routes, Map<String, String> environment, int port) throws IOException {
        this.jar = jar;
        this.routes = routes;
        this.environment = environment;
        this.port = port;
        this.logFile = Files.createTempFile("exocom-" + port + "-", ".log");
        this.dataDir = Files.createTempDirectory("exocom-data-" + port + "-");
    }

    /** Starts a broker with these routes (a file or directory; null: development mode) and default settings. */
    public static ExoComProcess start(Path routes) {
        return start(routes, Map.of());
    }

    /**
     * Starts a broker with these routes and extra environment variables, e.g. {@code EXOCOM_ACK_TIMEOUT=2s}.
     */
    public static ExoComProcess start(Path routes, Map<String, String> environment) {
        try {
            ExoComProcess exocom = new ExoComProcess(brokerJar(), routes, new LinkedHashMap<>(environment), freePort());
            exocom.launch();
            return exocom;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The broker's jar: system property {@code exocom.jar}, else the reactor's build output. */
    public static Path brokerJar() {
        Path jar = Path.of(System.getProperty("exocom.jar", "../exocom-quarkus/target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no ExoCom broker at " + jar + ": build exocom-quarkus first "
                    + "(./mvnw package -pl exocom-quarkus) or point the system property exocom.jar at quarkus-run.jar");
        }
        return jar;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-jar", jar.toString()));
        if (routes != null) {
            command.add("--routes");
            command.add(routes.toAbsolutePath().toString());
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        // the broker refuses EXOCOM_* variables that are none of its settings: it gets only what is given here
        builder.environment().keySet().removeIf(name -> name.startsWith("EXOCOM_"));
        builder.environment().put("EXOCOM_PORT", Integer.toString(port));
        builder.environment().put("EXOCOM_DATA_DIR", dataDir.toString()); // kept across restart(): it is durable
        builder.environment().putAll(environment);
        process = builder.start();
        awaitReady(Duration.ofSeconds(60));
    }

    private void awaitReady(Duration limit) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(httpUri("/q/health/ready")).timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("ExoCom exited with " + process.exitValue() + " before it was ready:\n"
                        + log());
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for ExoCom", e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for ExoCom", e);
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("ExoCom was not ready within " + limit + ":\n" + log());
    }

    public String host() {
        return "localhost";
    }

    public int port() {
        return port;
    }

    /** An address on the broker's HTTP side, e.g. {@code httpUri("/q/health/ready")}. */
    public URI httpUri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    /**
     * A relay builder pointed at this broker, for {@code service}, with a unique instance name and a short
     * reconnect back-off so that tests of lost connections stay quick.
     */
    public ExoRelay.Builder relay(String service) {
        return ExoRelay.builder()
                .service(service)
                .instance(service + "-" + INSTANCES.incrementAndGet())
                .host(host())
                .port(port)
                .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(500))
                .closeGracePeriod(Duration.ofSeconds(10));
    }

    /** The environment variables a service process needs to reach this broker (without SERVICE_NAME). */
    public Map<String, String> relayEnvironment() {
        return Map.of("EXOCOM_HOST", host(), "EXOCOM_PORT", Integer.toString(port));
    }

    /** Kills the broker at once, as a crash would; {@link #restart()} brings it back on the same port. */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts the broker again, same port, routes and settings, after {@link #kill()}. */
    public void restart() {
        kill();
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything the broker printed so far. */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    public Path logFile() {
        return logFile;
    }

    /** Stops the broker (politely first) and removes its log. */
    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(logFile);
        } catch (IOException ignored) {
            // a leftover log in the temp directory is harmless
        }
    }
}
