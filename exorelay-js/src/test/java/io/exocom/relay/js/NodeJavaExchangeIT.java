package io.exocom.relay.js;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.relay.ExoRelay;
import io.exocom.relay.Reply;
import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Node service (the exorelay package, in its own process) and a Java service (exorelay-client) ask and answer
 * each other through the real broker: Java asks Node, with a streaming reply, and Node asks Java.
 */
class NodeJavaExchangeIT {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Test
    void aNodeServiceAndAJavaServiceExchangeRequestAndReplyInBothDirections() throws Exception {
        Path packageDir = Path.of(System.getProperty("exorelay.js.dir", ".")).toAbsolutePath();
        try (ExoComProcess exocom = ExoComProcess.start(Path.of("src/test/resources/exchange-routes.yaml"));
             ExoRelay java = exocom.relay("java-side").build()
                     .on("java.greet", (message, context) -> context.reply("java.greeted",
                             Map.of("hello", message.payload().path("name").asText(), "from", "java")))) {
            java.start().toCompletableFuture().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

            ProcessBuilder builder = new ProcessBuilder("node", packageDir.resolve("test/fixtures/node-peer.js").toString())
                    .redirectErrorStream(true);
            builder.environment().putAll(exocom.relayEnvironment());
            builder.environment().put("SERVICE_NAME", "node-side");
            builder.environment().put("EXOCOM_INSTANCE", "node-side-1");
            Process node = builder.start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
                awaitLine(out, "ONLINE");

                List<Reply> parts = new CopyOnWriteArrayList<>();
                Reply greeted = java.stream("node.greet", Map.of("name", "java"), PATIENCE, parts::add)
                        .toCompletableFuture().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                assertEquals("node.greeted", greeted.outcome());
                assertEquals("java", greeted.payload().path("hello").asText());
                assertEquals("node", greeted.payload().path("from").asText());
                assertTrue(greeted.payload().path("runtime").asText().startsWith("v"), greeted.toString());
                assertEquals("node-side", greeted.sender());
                assertEquals(List.of("node.greeting-part", "node.greeted"), parts.stream().map(Reply::outcome).toList());
                assertEquals("Hello, ", parts.get(0).payload().asText());

                JsonNode replied = new ObjectMapper().readTree(awaitLine(out, "JAVA-REPLIED ").substring("JAVA-REPLIED ".length()));
                assertEquals("java.greeted", replied.path("outcome").asText());
                assertEquals("node", replied.path("payload").path("hello").asText());
                assertEquals("java", replied.path("payload").path("from").asText());
                assertEquals("java-side", replied.path("sender").asText());
            } finally {
                node.destroy();
                if (!node.waitFor(10, TimeUnit.SECONDS)) {
                    node.destroyForcibly();
                }
            }
        }
    }

    private static String awaitLine(BufferedReader out, String prefix) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        StringBuilder seen = new StringBuilder();
        String line;
        while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
            if (line.startsWith(prefix)) {
                return line;
            }
            if (line.startsWith("FAILED ")) {
                throw new AssertionError("the Node service failed: " + line + "\n" + seen);
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("the Node service never printed " + prefix + "; it printed:\n" + seen);
    }
}
