package io.exocom.relay;

import io.exocom.relay.readme.Main;
import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The README's Java example, run as its own process exactly as a reader would run it (SERVICE_NAME=todos and
 * the broker's address in the environment), against a broker with the routes shipped for it: it gets the
 * outcome of the todos.list it asks for, and the commands sent to it get its outcomes.
 */
class ReadmeExampleIT {
    static final Path ROUTES = Path.of("..", "examples", "readme-example", "routes.yaml");

    static ExoComProcess exocom;
    static ExoRelay todoList;
    static ExoRelay web;
    static Process example;
    static final StringBuffer printed = new StringBuffer();

    @BeforeAll
    static void start() throws Exception {
        exocom = ExoComProcess.start(ROUTES);
        // the "other service" the example asks for todos.list
        todoList = exocom.relay("todo-list").build().on("todos.list", (message, context) ->
                context.reply("todos.listed", List.of(Map.of("id", "1", "text", "buy milk"))));
        web = exocom.relay("web").build();
        Await.result(todoList.start());
        Await.result(web.start());

        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()).redirectErrorStream(true);
        builder.environment().putAll(exocom.relayEnvironment());
        builder.environment().put("SERVICE_NAME", "todos");
        example = builder.start();
        Thread reader = new Thread(() -> readLines(example), "readme-example-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Collects what the example prints; runs off the test thread, so it only collects. */
    private static void readLines(Process process) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                printed.append(line).append('\n');
            }
        } catch (IOException e) {
            printed.append("(output unreadable: ").append(e).append(")\n");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (example != null) {
            example.destroy(); // its shutdown hook closes the relay
            if (!example.waitFor(30, TimeUnit.SECONDS)) {
                example.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        for (ExoRelay relay : new ExoRelay[]{web, todoList}) {
            if (relay != null) {
                relay.close();
            }
        }
        if (exocom != null) {
            exocom.close();
        }
    }

    /** Waits until the example has printed a line with this text. */
    private static void awaitPrinted(String text) {
        if (!Await.holdsWithin(Await.PATIENCE, () -> printed.toString().lines().anyMatch(line -> line.contains(text)))) {
            throw new AssertionError("the README's example never printed \"" + text + "\"; it printed:\n" + printed
                    + "\nExoCom's log:\n" + exocom.log());
        }
    }

    @Test
    void theExampleRegistersAsksForTheListAndPrintsIt() {
        awaitPrinted("online");
        awaitPrinted("[Todo[id=1, text=buy milk]]");
    }

    @Test
    void theExampleAnswersTodosCreateWithItsOutcomes() {
        awaitPrinted("online");
        Reply created = Await.result(web.request("todos.create", Map.of("text", "buy milk")));
        assertEquals("todos.created", created.outcome());
        assertEquals("buy milk", created.payload().path("text").asText());
        assertEquals("todos", created.sender());

        Reply invalid = Await.result(web.request("todos.create", Map.of("text", " ")));
        assertEquals("todos.invalid", invalid.outcome());
        assertEquals("A todo needs a text", invalid.payload().path("problem").asText());
    }
}
