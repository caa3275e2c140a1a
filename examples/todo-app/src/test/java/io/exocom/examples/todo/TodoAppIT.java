package io.exocom.examples.todo;

import io.exocom.examples.todo.todos.TodosService;
import io.exocom.examples.todo.web.WebServer;
import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The todo application end to end, as a person uses it: ExoCom with the example's ExoService manifests, the
 * todos and web services as their own processes, and a browser's HTTP requests to the web service.
 */
class TodoAppIT {
    static ExoComProcess exocom;
    static final List<Process> services = new ArrayList<>();
    static final List<Path> logs = new ArrayList<>();
    static URI home;
    static final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

    @BeforeAll
    static void start() throws Exception {
        exocom = ExoComProcess.start(Path.of("exoservices"));
        int webPort = ExoComProcess.freePort();
        service("todos", TodosService.class, webPort);
        service("web", WebServer.class, webPort);
        home = URI.create("http://localhost:" + webPort + "/");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                HttpResponse<String> page = browser.send(HttpRequest.newBuilder(home).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (page.statusCode() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // the web service is not listening yet
            }
            if (System.nanoTime() > deadline) {
                fail("the home page did not come up; logs:\n" + logs());
            }
            Thread.sleep(100);
        }
    }

    private static void service(String name, Class<?> main, int webPort) throws IOException {
        Path log = Files.createTempFile("todo-app-" + name + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), main.getName())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(exocom.relayEnvironment());
        builder.environment().put("SERVICE_NAME", name);
        builder.environment().put("PORT", Integer.toString(webPort));
        services.add(builder.start());
        logs.add(log);
    }

    private static String logs() throws IOException {
        StringBuilder all = new StringBuilder();
        for (Path log : logs) {
            all.append("--- ").append(log.getFileName()).append('\n').append(Files.readString(log));
        }
        return all.toString();
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process service : services) {
            service.destroy();
        }
        for (Process service : services) {
            service.waitFor();
        }
        for (Path log : logs) {
            Files.deleteIfExists(log);
        }
        if (exocom != null) {
            exocom.close();
        }
    }

    private static HttpResponse<String> add(String text) throws Exception {
        return browser.send(HttpRequest.newBuilder(home.resolve("/todos"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("text=" + java.net.URLEncoder.encode(text,
                                java.nio.charset.StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTodoAddedInTheFormAppearsOnTheHomePage() throws Exception {
        HttpResponse<String> afterAdding = add("Buy milk & eggs");
        assertEquals(200, afterAdding.statusCode(), "the form redirects back to the home page");
        assertTrue(afterAdding.body().contains("<li>Buy milk &amp; eggs</li>"), afterAdding.body());

        HttpResponse<String> page = browser.send(HttpRequest.newBuilder(home).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(page.body().contains("<li>Buy milk &amp; eggs</li>"), page.body());
    }

    @Test
    void anEmptyTodoShowsTheTodosServicesOutcome() throws Exception {
        HttpResponse<String> page = add("   ");
        assertEquals(422, page.statusCode());
        assertTrue(page.body().contains("todos.invalid:</strong> A todo needs a text"), page.body());
        assertFalse(page.body().contains("<li>   </li>"));
    }
}
