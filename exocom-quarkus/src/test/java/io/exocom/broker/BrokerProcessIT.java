package io.exocom.broker;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged broker as a user starts it: {@code java -jar quarkus-run.jar [--routes PATH]}. Checks what the
 * process prints and how it exits, which no in-process test can see.
 */
class BrokerProcessIT {
    private static final Path JAR = Path.of(System.getProperty("exocom.jar", "target/quarkus-app/quarkus-run.jar"));
    private static final Path RESOURCES = Path.of("src", "test", "resources", "process");
    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process process : started) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private Process start(Path log, int port, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("EXOCOM_PORT", String.valueOf(port));
        builder.environment().remove("EXOCOM_ROUTES");
        Process process = builder.start();
        started.add(process);
        return process;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void brokenRoutesEndTheProcessWithFileLineAndField() throws Exception {
        Path log = Files.createTempFile("exocom", ".log");
        Process process = start(log, freePort(), "--routes", RESOURCES.resolve("broken.yaml").toString());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the broker should stop by itself");
        String output = Files.readString(log);
        assertEquals(2, process.exitValue(), output);
        assertTrue(output.contains("broken.yaml:7: services.todos.receives[1]:"), output);
    }

    @Test
    void aMissingRoutesFileIsNamed() throws Exception {
        Path log = Files.createTempFile("exocom", ".log");
        Process process = start(log, freePort(), "--routes", "no/such/routes.yaml");
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, process.exitValue());
        assertTrue(Files.readString(log).contains("no/such/routes.yaml: no such file or directory"), Files.readString(log));
    }

    @Test
    void aPortInUseEndsTheProcessNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0)) {
            Path log = Files.createTempFile("exocom", ".log");
            Process process = start(log, taken.getLocalPort());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the broker should stop by itself");
            String output = Files.readString(log);
            assertNotEquals(0, process.exitValue(), output);
            assertTrue(output.contains(String.valueOf(taken.getLocalPort())), output);
        }
    }

    @Test
    void helpPrintsUsage() throws Exception {
        Path log = Files.createTempFile("exocom", ".log");
        Process process = start(log, freePort(), "--help");
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        assertTrue(Files.readString(log).contains("Usage: exocom [--routes PATH]"));
    }

    @Test
    void exoServiceManifestsAreReadAsRoutesAndStartupSaysWhatRuns() throws Exception {
        Path log = Files.createTempFile("exocom", ".log");
        int port = freePort();
        start(log, port, "--routes", RESOURCES.resolve("exoservices.yaml").toString());
        HttpClient http = HttpClient.newHttpClient();
        String routes = null;
        for (int i = 0; i < 300 && routes == null; i++) {
            try {
                routes = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/routes")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        assertTrue(routes != null && routes.contains("\"service\":\"todos\""), "serviceName overrides metadata.name: " + routes);
        assertTrue(routes.contains("\"service\":\"web\""), routes);
        String output = Files.readString(log);
        assertTrue(output.contains("listening on port " + port), output);
        assertTrue(output.contains("mode: routes from " + RESOURCES.resolve("exoservices.yaml")), output);
        assertTrue(output.contains("store: memory"), output);
    }
}
