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
import java.util.Map;
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
        return start(log, port, Map.of(), args);
    }

    private Process start(Path log, int port, Map<String, String> environment, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBin(), "-XX:+ExitOnOutOfMemoryError", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("EXOCOM_PORT", String.valueOf(port));
        builder.environment().keySet().removeIf(name -> name.startsWith("EXOCOM_"));
        builder.environment().put("EXOCOM_PORT", String.valueOf(port));
        builder.environment().put("EXOCOM_DATA_DIR", Files.createTempDirectory("exocom-data").toString());
        builder.environment().putAll(environment);
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
        assertTrue(Files.readString(log).contains("\"no/such/routes.yaml\", but it must be a routes file or directory that exists"),
                Files.readString(log));
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
        assertTrue(output.contains("listening on 127.0.0.1:" + port), output);
        assertTrue(output.contains("only this machine can connect"), "loopback without authentication: " + output);
        assertTrue(output.contains("mode: routes from " + RESOURCES.resolve("exoservices.yaml")), output);
        assertTrue(output.contains("store: journal in "), "the journal is the default store: " + output);
    }

    /** The one "cannot start" line a configuration mistake gives, after checking there is no stack trace. */
    private String refusal(Map<String, String> environment, String... args) throws Exception {
        Path log = Files.createTempFile("exocom", ".log");
        Process process = start(log, freePort(), environment, args);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the broker should stop by itself");
        String output = Files.readString(log);
        assertEquals(2, process.exitValue(), output);
        assertTrue(!output.contains("Exception") && !output.contains("\tat "), "no stack trace: " + output);
        assertTrue(!output.contains("listening"), "never claims to listen: " + output);
        List<String> lines = output.lines().filter(line -> line.startsWith("exocom: cannot start: ")).toList();
        assertEquals(1, lines.size(), output);
        return lines.get(0);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "EXOCOM_MAX_QUEUE_DEPTH|-1|a whole number from 1",
            "EXOCOM_MAX_FRAME_SIZE|20000000|16777216",
            "EXOCOM_ACK_TIMEOUT|-5s|a duration like",
            "EXOCOM_ACK_TIMEOUT|banana|a duration like",
            "EXOCOM_PORT|abc|a TCP port",
            "EXOCOM_MAX_QUEUE_DEPHT|5|did you mean EXOCOM_MAX_QUEUE_DEPTH?",
            "EXOCOM_TOKENS_FILE|/no/such/tokens.properties|a readable file",
            "EXOCOM_MAX_PENDING_BYTES|1000K|at least twice EXOCOM_MAX_FRAME_SIZE",
            "EXOCOM_LOG_MESSAGES|yes|true or false",
            "EXOCOM_TLS_CERT|/no/such/broker.crt|a readable PEM file",
            "EXOCOM_AUTH_KUBERNETES|yes|true or false",
            "EXOCOM_MAX_SEND_RATE|-3|a number of sends per second"})
    void aBadSettingStopsTheBrokerWithOneSentenceNamingIt(String variable, String value, String accepted) throws Exception {
        String line = refusal(Map.of(variable, value));
        assertTrue(line.contains(variable), line);
        assertTrue(line.contains(value), line);
        assertTrue(line.contains(accepted), line);
    }

    @Test
    void tlsFilesThatDoNotBelongTogetherAreOneSentence() throws Exception {
        Path dir = Files.createTempDirectory("exocom-tls-it");
        TestCertificates.Issued one = TestCertificates.selfSigned(dir, "one");
        TestCertificates.Issued other = TestCertificates.selfSigned(dir, "other");
        String line = refusal(Map.of("EXOCOM_TLS_CERT", one.certPem().toString(), "EXOCOM_TLS_KEY", other.keyPem().toString()));
        assertTrue(line.contains("EXOCOM_TLS_KEY is \"" + other.keyPem() + "\", but it must be the private key of the "
                + "certificate in EXOCOM_TLS_CERT"), line);
        line = refusal(Map.of("EXOCOM_TLS_KEY", other.keyPem().toString()));
        assertTrue(line.contains("EXOCOM_TLS_KEY is set, but TLS needs both EXOCOM_TLS_CERT"), line);
    }

    @Test
    void aBadPortArgumentIsOneSentenceToo() throws Exception {
        String line = refusal(Map.of(), "--port", "99999");
        assertTrue(line.contains("--port") && line.contains("99999") && line.contains("1 to 65535"), line);
    }

    @Test
    void aPortInUseIsOneSentenceBeforeAnythingClaimsToListen() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            String line = refusal(Map.of("EXOCOM_PORT", String.valueOf(taken.getLocalPort())));
            assertTrue(line.contains("EXOCOM_PORT is " + taken.getLocalPort()) && line.contains("in use"), line);
        }
    }

    @Test
    void routesThatNameNoServiceAreALoudWarning() throws Exception {
        Path log = Files.createTempFile("exocom", ".log");
        int port = freePort();
        start(log, port, "--routes", RESOURCES.resolve("no-services.yaml").toString());
        String output = awaitLog(log, "listening");
        assertTrue(awaitLog(log, "name no service").contains("WARN"), output);
    }

    @Test
    void versionNamesTheVersionAndTheCommit() throws Exception {
        Path log = Files.createTempFile("exocom", ".log");
        Process process = start(log, freePort(), "--version");
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        String output = Files.readString(log).trim();
        assertTrue(output.matches("exocom 0\\.1\\.0-SNAPSHOT \\(commit [0-9a-f]{7,}\\)"), output);
    }

    @Test
    void whatClientsSendCannotForgeLogLinesOrFloodTheLog() throws Exception {
        Path log = Files.createTempFile("exocom", ".log");
        int port = freePort();
        start(log, port, "--routes", RESOURCES.resolve("traffic.yaml").toString());
        awaitLog(log, "listening");
        HttpClient http = HttpClient.newHttpClient();
        java.util.concurrent.LinkedBlockingQueue<String> frames = new java.util.concurrent.LinkedBlockingQueue<>();
        java.net.http.WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/services"),
                new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
                        frames.add(data.toString());
                        ws.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        socket.sendText("{\"type\":\"register\",\"service\":\"evil\\nFAKE LOG LINE from a client\"}", true).join();
        assertTrue(frames.poll(10, TimeUnit.SECONDS).contains("invalid"));
        long before = Files.size(log);
        String garbage = "{\"type\":\"nonsense\",\"x\":\"" + "z".repeat(900_000) + "\"}";
        for (int i = 0; i < 20; i++) {
            socket.sendText(garbage, true).join();
            assertTrue(frames.poll(10, TimeUnit.SECONDS) != null);
        }
        String output = Files.readString(log);
        assertTrue(output.lines().noneMatch(line -> line.startsWith("FAKE LOG LINE")), output);
        assertTrue(output.contains("evil\\nFAKE LOG LINE"), "the name is shown escaped: " + output);
        assertTrue(Files.size(log) - before < 20_000, "20 frames of 900 KB wrote " + (Files.size(log) - before) + " bytes of log");
        socket.abort();
    }

    @Test
    void aGracefulStopAnswersWhatItReadAndClosesWith1001() throws Exception {
        Path log = Files.createTempFile("exocom", ".log");
        int port = freePort();
        Process broker = start(log, port, "--routes", RESOURCES.resolve("traffic.yaml").toString());
        awaitLog(log, "listening");
        HttpClient http = HttpClient.newHttpClient();
        java.util.concurrent.LinkedBlockingQueue<String> frames = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.CompletableFuture<Integer> closed = new java.util.concurrent.CompletableFuture<>();
        java.net.http.WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/services"),
                new java.net.http.WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            frames.add(partial.toString());
                            partial.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket ws, int code, String reason) {
                        closed.complete(code);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        socket.sendText("{\"type\":\"register\",\"service\":\"sender\"}", true).join();
        assertTrue(frames.poll(10, TimeUnit.SECONDS).contains("registered"));
        int sends = 3000;
        Thread writer = new Thread(() -> {
            for (int i = 0; i < sends && !closed.isDone(); i++) {
                try {
                    socket.sendText("{\"type\":\"send\",\"message\":{\"name\":\"job.run\",\"id\":\"s-" + i + "\"}}", true).join();
                } catch (RuntimeException connectionGone) {
                    return;
                }
            }
        });
        writer.start();
        String first = frames.poll(10, TimeUnit.SECONDS);
        assertTrue(first != null && first.contains("accepted"), first);
        broker.destroy(); // SIGTERM
        assertEquals(1001, closed.get(30, TimeUnit.SECONDS), "closed as going away");
        assertTrue(broker.waitFor(30, TimeUnit.SECONDS));
        writer.join(10_000);
        java.util.Set<String> answered = new java.util.HashSet<>();
        List<String> all = new ArrayList<>(List.of(first));
        frames.drainTo(all);
        int refusedShuttingDown = 0;
        for (String frame : all) {
            com.fasterxml.jackson.databind.JsonNode answer = new com.fasterxml.jackson.databind.ObjectMapper().readTree(frame);
            String type = answer.path("type").asText();
            assertTrue(type.equals("accepted") || (type.equals("rejected") && answer.path("code").asText().equals("shutting-down")),
                    "only acceptances, and refusals that say the broker stops: " + frame);
            refusedShuttingDown += type.equals("rejected") ? 1 : 0;
            assertTrue(answered.add(answer.path("id").asText()), "one answer per send: " + frame);
        }
        String output = Files.readString(log);
        assertTrue(output.contains("every send was answered"), output);
        System.out.printf("graceful stop: %d sends answered (%d refused shutting-down) before the close%n",
                answered.size(), refusedShuttingDown);
    }

    @Test
    void aBrokerStartedAsUsersStartItEndsWhenItRunsOutOfMemory() throws Exception {
        Path log = Files.createTempFile("exocom", ".log");
        int port = freePort();
        Path script = Path.of("..", "bin", "exocom").toAbsolutePath().normalize();
        ProcessBuilder builder = new ProcessBuilder(script.toString(), "--routes", RESOURCES.resolve("traffic.yaml").toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("EXOCOM_"));
        builder.environment().putAll(Map.of("EXOCOM_PORT", String.valueOf(port), "EXOCOM_JAVA_OPTS", "-Xmx96m",
                "EXOCOM_MAX_TOTAL_BYTES", "4G", "EXOCOM_MAX_QUEUE_BYTES", "4G", "EXOCOM_MAX_QUEUE_DEPTH", "1000000",
                "EXOCOM_LOG_MESSAGES", "false"));
        Process broker = builder.start();
        started.add(broker);
        awaitLog(log, "listening");
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"name\":\"job.run\",\"sender\":\"sender\",\"payload\":\"" + "m".repeat(900_000) + "\"}";
        // worker is offline: everything waits in its queue, which the settings above let grow past the heap
        for (int i = 0; i < 2000 && broker.isAlive(); i++) {
            try {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/messages"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.discarding());
            } catch (IOException gone) {
                break;
            }
        }
        assertTrue(broker.waitFor(60, TimeUnit.SECONDS), "a broker out of memory must end, not stay a zombie");
        assertEquals(3, broker.exitValue(), Files.readString(log));
    }

    private static String awaitLog(Path log, String text) throws Exception {
        for (int i = 0; i < 600; i++) {
            String output = Files.readString(log);
            if (output.contains(text)) {
                return output;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the log never said \"" + text + "\": " + Files.readString(log));
    }
}
