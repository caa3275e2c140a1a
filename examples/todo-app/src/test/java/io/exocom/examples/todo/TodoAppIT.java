package io.exocom.examples.todo;

import io.exocom.examples.todo.todos.TodosService;
import io.exocom.examples.todo.web.WebServer;
import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The todo application end to end, as a person uses it: ExoCom with the example's ExoService manifests, the
 * todos and web services as their own processes, and a browser's HTTP requests to the web service.
 */
class TodoAppIT {
    static final Pattern REQUEST_ID = Pattern.compile("name=\"requestId\" value=\"([^\"]+)\"");
    static ExoComProcess exocom;
    static final List<Process> services = new ArrayList<>();
    static final List<Path> logs = new ArrayList<>();
    static Process todos;
    static Process web;
    static URI home;
    static final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

    @BeforeAll
    static void start() throws Exception {
        exocom = ExoComProcess.start(Path.of("exoservices"));
        int webPort = ExoComProcess.freePort();
        todos = service("todos", TodosService.class, webPort);
        web = service("web", WebServer.class, webPort);
        home = URI.create("http://127.0.0.1:" + webPort + "/");
        awaitHomePage();
    }

    /** Every test starts with the application up, whatever the test before did to ExoCom or todos. */
    @BeforeEach
    void applicationIsUp() throws Exception {
        awaitHomePage();
    }

    private static void awaitHomePage() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "(nothing)";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> page = page();
                if (page.statusCode() == 200) {
                    return;
                }
                last = page.statusCode() + " " + page.body();
            } catch (IOException notYet) {
                // the web service is not listening yet
            }
            Thread.sleep(100);
        }
        fail("the home page did not come up; last answer: " + last + "\nlogs:\n" + logs());
    }

    private static Process service(String name, Class<?> main, int webPort) throws IOException {
        Path log = Files.createTempFile("todo-app-" + name + "-", ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), main.getName())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(exocom.relayEnvironment());
        builder.environment().put("SERVICE_NAME", name);
        builder.environment().put("PORT", Integer.toString(webPort));
        Process process = builder.start();
        services.add(process);
        logs.add(log);
        return process;
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

    private static HttpResponse<String> page() throws Exception {
        return browser.send(HttpRequest.newBuilder(home).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> add(String text) throws Exception {
        return add(null, text);
    }

    /** Submits the form as a browser does: with the request id of the page it came from, if any. */
    private static HttpResponse<String> add(String requestId, String text) throws Exception {
        String form = (requestId == null ? "" : "requestId=" + requestId + "&") + "text="
                + URLEncoder.encode(text, StandardCharsets.UTF_8);
        return browser.send(HttpRequest.newBuilder(home.resolve("/todos"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String requestIdOfAFreshPage() throws Exception {
        HttpResponse<String> page = page();
        assertEquals(200, page.statusCode(), page.body());
        Matcher id = REQUEST_ID.matcher(page.body());
        assertTrue(id.find(), "the form has a request id: " + page.body());
        return id.group(1);
    }

    private static int timesListed(String text, String page) {
        return page.split(Pattern.quote("<li>" + text + "</li>"), -1).length - 1;
    }

    private static void signal(Process process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + signal + " " + process.pid());
    }

    @Test
    void aTodoAddedInTheFormAppearsOnTheHomePage() throws Exception {
        HttpResponse<String> afterAdding = add(requestIdOfAFreshPage(), "Buy milk & eggs");
        assertEquals(200, afterAdding.statusCode(), "the form redirects back to the home page");
        assertTrue(afterAdding.body().contains("<li>Buy milk &amp; eggs</li>"), afterAdding.body());

        HttpResponse<String> page = page();
        assertTrue(page.body().contains("<li>Buy milk &amp; eggs</li>"), page.body());
    }

    @Test
    void anEmptyTodoShowsTheTodosServicesOutcome() throws Exception {
        HttpResponse<String> page = add(requestIdOfAFreshPage(), "   ");
        assertEquals(422, page.statusCode());
        assertTrue(page.body().contains("todos.invalid:</strong> A todo needs a text"), page.body());
        assertFalse(page.body().contains("<li>   </li>"));
    }

    @Test
    void aFormSentTwiceAddsItsTodoOnce() throws Exception {
        String text = "Water the plants " + UUID.randomUUID();
        String requestId = requestIdOfAFreshPage();
        assertEquals(200, add(requestId, text).statusCode());
        HttpResponse<String> retried = add(requestId, text); // the browser resubmits, or the person clicks again
        assertEquals(200, retried.statusCode());
        assertEquals(1, timesListed(text, retried.body()), retried.body());

        String fromAnotherPage = add(requestIdOfAFreshPage(), text).body();
        assertEquals(2, timesListed(text, fromAnotherPage), "a new page is a new todo: " + fromAnotherPage);
    }

    @Test
    void aTodoWhoseOutcomeIsLateIsReportedAcceptedAndAppearsOnce() throws Exception {
        String text = "Call the plumber " + UUID.randomUUID();
        String requestId = requestIdOfAFreshPage();
        signal(todos, "STOP"); // todos takes the command but cannot answer in time
        HttpResponse<String> accepted;
        try {
            accepted = add(requestId, text);
        } finally {
            signal(todos, "CONT");
        }
        assertEquals(202, accepted.statusCode(), accepted.body());
        assertTrue(accepted.body().contains("Your todo was accepted: it appears on the list as soon as the todos "
                + "service has handled it. There is no need to add it again."), accepted.body());
        assertFalse(accepted.body().contains("could not be added"), accepted.body());

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String listed = page().body();
        while (timesListed(text, listed) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            listed = page().body();
        }
        assertEquals(1, timesListed(text, listed), "the accepted todo appeared: " + listed);
        HttpResponse<String> retried = add(requestId, text); // the person did not believe it
        assertEquals(1, timesListed(text, retried.body()), "and a retry added nothing: " + retried.body());
    }

    @Test
    void withExoComDownThePageSaysExoComIsUnreachableAndAddsNothing() throws Exception {
        String text = "Pay the rent " + UUID.randomUUID();
        String requestId = requestIdOfAFreshPage();
        exocom.kill();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            HttpResponse<String> down = page();
            while (down.statusCode() != 503 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                down = page();
            }
            assertEquals(503, down.statusCode(), down.body());
            assertTrue(down.body().contains("ExoCom unreachable:</strong> ExoCom, the message bus between the "
                    + "services, cannot be reached right now"), down.body());
            assertFalse(down.body().contains("todos service"), "the todos service is not to blame: " + down.body());

            HttpResponse<String> notAdded = add(requestId, text);
            assertEquals(503, notAdded.statusCode(), notAdded.body());
            assertTrue(notAdded.body().contains("cannot be reached right now, so the todo was not added."),
                    notAdded.body());
            assertFalse(notAdded.body().contains("todos service"), notAdded.body());
        } finally {
            exocom.restart();
            awaitHomePage(); // the services reconnected
        }
        String back = page().body();
        assertEquals(0, timesListed(text, back), "what was refused while ExoCom was down is not added later: " + back);
    }

    @Test
    void theWebServiceListensOnLoopbackAndSaysSo() throws Exception {
        String webLog = Files.readString(logs.get(services.indexOf(web)));
        assertTrue(webLog.contains("Todo web server listening on http://127.0.0.1:" + home.getPort()
                + " (this machine only; HOST_BIND=0.0.0.0 lets other machines in)"), webLog);
    }

    @Test
    void aBadSettingStopsTheWebServiceWithOneSentenceAndStatus2() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), WebServer.class.getName()).redirectErrorStream(true);
        Path log = Files.createTempFile("todo-app-bad-web-", ".log");
        builder.redirectOutput(log.toFile());
        builder.environment().putAll(exocom.relayEnvironment());
        builder.environment().put("SERVICE_NAME", "web");
        builder.environment().put("PORT", "http");
        Process bad = builder.start();
        boolean ended = bad.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        if (!ended) {
            bad.destroyForcibly().waitFor();
        }
        String output = Files.readString(log);
        Files.deleteIfExists(log);
        assertTrue(ended, "the web service should stop by itself; it printed: " + output);
        assertEquals(2, bad.exitValue(), output);
        assertEquals("web: PORT must be a port number from 0 to 65535 (0: any free port), not \"http\"", output.strip());
    }
}
