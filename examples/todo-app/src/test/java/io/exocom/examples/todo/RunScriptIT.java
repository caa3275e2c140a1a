package io.exocom.examples.todo;

import io.exocom.relay.testing.ExoComProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code examples/todo-app/run} as a person uses it: when one of the three processes dies it says which one and
 * why, and the other two keep running; stopping the script stops them all.
 */
class RunScriptIT {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private final HttpClient browser = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Long> pids = new ArrayList<>();
    private Process run;
    private Path output;
    @TempDir
    Path scratch; // run keeps its logs in TMPDIR; here they go away with the test

    @AfterEach
    void stopEverything() throws Exception {
        if (run != null && run.isAlive()) {
            run.destroy();
            if (!run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
        // whatever the script did not stop, this test started: end it by its pid
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        if (output != null) {
            Files.deleteIfExists(output);
        }
    }

    private String output() throws IOException {
        return Files.readString(output);
    }

    private String awaitOutput(String what, Predicate<String> done) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        String seen = output();
        while (!done.test(seen)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("run never printed " + what + "; it printed:\n" + seen);
            }
            Thread.sleep(100);
            seen = output();
        }
        return seen;
    }

    private long pidOf(String name, String printed) {
        Matcher pid = Pattern.compile("^  " + name + "\\s+pid (\\d+)", Pattern.MULTILINE).matcher(printed);
        assertTrue(pid.find(), "run names the pid of " + name + ":\n" + printed);
        return Long.parseLong(pid.group(1));
    }

    private Optional<HttpResponse<String>> get(URI uri) throws InterruptedException {
        try {
            return Optional.of(browser.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        } catch (IOException notListening) {
            return Optional.empty();
        }
    }

    @Test
    void whenTodosDiesRunSaysWhyAndTheOthersKeepServing() throws Exception {
        int exocomPort = ExoComProcess.freePort();
        int webPort = ExoComProcess.freePort();
        output = Files.createTempFile("todo-app-run-", ".out");
        ProcessBuilder builder = new ProcessBuilder("bash", "run").redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("EXOCOM_PORT", Integer.toString(exocomPort));
        builder.environment().put("WEB_PORT", Integer.toString(webPort));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("REBUILD"); // the reactor built the jars already
        builder.environment().put("TMPDIR", scratch.toString());
        run = builder.start();

        String started = awaitOutput("its three pids", text -> text.contains("Ctrl-C stops all"));
        long exocom = pidOf("exocom", started);
        long todos = pidOf("todos", started);
        long web = pidOf("web", started);
        pids.addAll(List.of(exocom, todos, web));
        URI home = URI.create("http://127.0.0.1:" + webPort + "/");
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        Optional<HttpResponse<String>> page = get(home);
        while (page.map(HttpResponse::statusCode).orElse(0) != 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            page = get(home);
        }
        assertEquals(200, page.map(HttpResponse::statusCode).orElse(0), "the home page came up:\n" + output());
        // One line per log record, laid out as the broker's are; "connection 1" however many attempts failed
        // while ExoCom was still starting.
        Pattern online = Pattern.compile("(?m)^\\[todos\\] \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} "
                + "INFO +\\[io\\.exocom\\.relay\\.ExoRelay\\] service \"todos\" .*: online \\(connection 1, attempt \\d+,");
        String logged = awaitOutput("the todos relay's online line, on one line", text -> online.matcher(text).find());
        assertFalse(Pattern.compile("(?m)^\\[(todos|web)\\] (INFO|WARNING): ").matcher(logged).find(),
                "no record is split over two lines: " + logged);

        ProcessHandle.of(todos).orElseThrow().destroy(); // SIGTERM, as `kill PID` does
        String reported = awaitOutput("that todos ended", text -> text.contains("Still running:"));
        assertTrue(reported.contains("*** todos (pid " + todos + ") has ended: it was killed by signal SIGTERM "
                + "(exit status 143)."), reported);
        assertTrue(reported.contains("*** The last lines of its log"), reported);
        assertTrue(reported.contains("***   todos service online"), "the lines of todos' own log: " + reported);
        assertTrue(reported.contains("*** Still running: exocom web."), reported);

        HttpResponse<String> withoutTodos = get(home).orElseThrow(() -> new AssertionError("the web page is gone"));
        assertEquals(503, withoutTodos.statusCode());
        assertTrue(withoutTodos.body().contains("The todos service has not answered within"), withoutTodos.body());
        assertTrue(run.isAlive(), "run keeps going with two of three");
        assertTrue(ProcessHandle.of(exocom).map(ProcessHandle::isAlive).orElse(false), "ExoCom still runs");

        run.destroy(); // what Ctrl-C does too: stop the other two
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "run stopped:\n" + output());
        for (long pid : List.of(exocom, web)) {
            ProcessHandle.of(pid).ifPresent(process -> process.onExit().orTimeout(30, TimeUnit.SECONDS).join());
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " stopped");
        }
    }
}
