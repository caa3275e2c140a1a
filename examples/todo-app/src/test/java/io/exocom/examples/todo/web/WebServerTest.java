package io.exocom.examples.todo.web;

import io.exocom.protocol.ErrorCode;
import io.exocom.relay.testing.MockExoRelay;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web service with the todos service scripted: what the page shows for each outcome. */
class WebServerTest {
    private static final Pattern REQUEST_ID = Pattern.compile("name=\"requestId\" value=\"([^\"]+)\"");
    private final HttpClient http = HttpClient.newHttpClient();

    private static WebServer serve(MockExoRelay relay, boolean exoComReachable) throws Exception {
        return new WebServer(relay, () -> exoComReachable, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .start();
    }

    private HttpResponse<String> get(WebServer web) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(web, "/")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(WebServer web, String requestId, String text) throws Exception {
        String form = "requestId=" + URLEncoder.encode(requestId, StandardCharsets.UTF_8)
                + "&text=" + URLEncoder.encode(text, StandardCharsets.UTF_8);
        return http.send(HttpRequest.newBuilder(uri(web, "/todos"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String requestIdOf(String page) {
        Matcher matcher = REQUEST_ID.matcher(page);
        assertTrue(matcher.find(), "no requestId in the form: " + page);
        return matcher.group(1);
    }

    @Test
    void theHomePageShowsTheListedTodosEscapedAndAFormWithItsOwnRequestId() throws Exception {
        MockExoRelay relay = new MockExoRelay("web")
                .answer("todos.list", "todos.listed", List.of(Map.of("id", "1", "text", "buy <milk>")));
        try (WebServer web = serve(relay, true)) {
            HttpResponse<String> page = get(web);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<li>buy &lt;milk&gt;</li>"), page.body());
            assertTrue(page.body().contains("<form method=\"post\" action=\"/todos\">"));
            assertNotEquals(requestIdOf(page.body()), requestIdOf(get(web).body()), "every page has its own id");
        }
    }

    @Test
    void theFormsRequestIdGoesWithTodosCreate() throws Exception {
        MockExoRelay relay = new MockExoRelay("web")
                .answer("todos.list", "todos.listed", List.of())
                .answer("todos.create", "todos.created", Map.of("id", "1", "text", "buy milk"));
        try (WebServer web = serve(relay, true)) {
            HttpResponse<String> added = post(web, "page-7", "buy milk");
            assertEquals(303, added.statusCode());
            assertEquals("/", added.headers().firstValue("Location").orElse(null));
            var create = relay.sent("todos.create").get(0).payload();
            assertEquals("page-7", create.path("requestId").asText());
            assertEquals("buy milk", create.path("text").asText());
        }
    }

    @Test
    void anInvalidTodoShowsTheOutcomeOfTheTodosServiceAndKeepsTheForm() throws Exception {
        MockExoRelay relay = new MockExoRelay("web")
                .answer("todos.list", "todos.listed", List.of())
                .answer("todos.create", "todos.invalid", Map.of("problem", "A todo needs a text."));
        try (WebServer web = serve(relay, true)) {
            HttpResponse<String> page = post(web, "page-8", " ");
            assertEquals(422, page.statusCode());
            assertTrue(page.body().contains("todos.invalid:</strong> A todo needs a text."), page.body());
            assertEquals("page-8", requestIdOf(page.body()), "nothing was added: the same form may be sent again");
            assertEquals(" ", relay.sent("todos.create").get(0).payload().path("text").asText());
        }
    }

    @Test
    void aCreateWhoseOutcomeIsLateIsReportedAcceptedNotFailed() throws Exception {
        MockExoRelay relay = new MockExoRelay("web")
                .answer("todos.create", (command, context) -> {
                    // the todos service took it, but has not answered yet
                });
        try (WebServer web = serve(relay, true)) {
            HttpResponse<String> page = post(web, "page-9", "buy milk");
            assertEquals(202, page.statusCode());
            assertTrue(page.body().contains("Your todo was accepted: it appears on the list as soon as the todos "
                    + "service has handled it. There is no need to add it again."), page.body());
            assertFalse(page.body().contains("could not be added"), page.body());
            assertNotEquals("page-9", requestIdOf(page.body()), "the next todo is a new request");
        }
    }

    @Test
    void aTodoExoComRefusesIsReportedNotAdded() throws Exception {
        MockExoRelay relay = new MockExoRelay("web").reject("todos.create", ErrorCode.QUEUE_FULL);
        try (WebServer web = serve(relay, true)) {
            HttpResponse<String> page = post(web, "page-10", "buy milk");
            assertEquals(503, page.statusCode());
            assertTrue(page.body().contains("ExoCom refused the todo:</strong>"), page.body());
            assertTrue(page.body().contains("The todo was not added."), page.body());
            assertEquals("page-10", requestIdOf(page.body()));
        }
    }

    @Test
    void withExoComUnreachableThePagesSaySoAndNothingIsSent() throws Exception {
        MockExoRelay relay = new MockExoRelay("web")
                .answer("todos.list", "todos.listed", List.of())
                .answer("todos.create", "todos.created", Map.of("id", "1", "text", "buy milk"));
        try (WebServer web = serve(relay, false)) {
            HttpResponse<String> home = get(web);
            assertEquals(503, home.statusCode());
            assertTrue(home.body().contains("ExoCom unreachable:</strong> ExoCom, the message bus between the "
                    + "services, cannot be reached right now, so the todo list cannot be shown."), home.body());
            HttpResponse<String> add = post(web, "page-11", "buy milk");
            assertEquals(503, add.statusCode());
            assertTrue(add.body().contains("cannot be reached right now, so the todo was not added."), add.body());
            assertFalse(add.body().contains("todos service"), "the todos service is not to blame: " + add.body());
            assertEquals(List.of(), relay.sent(), "nothing was sent that could be added later behind the person's back");
        }
    }

    @Test
    void aTodosServiceThatDoesNotAnswerTheListIsNamed() throws Exception {
        MockExoRelay relay = new MockExoRelay("web").answer("todos.list", (command, context) -> {
            // queued in ExoCom, nobody answers
        });
        try (WebServer web = serve(relay, true)) {
            HttpResponse<String> page = get(web);
            assertEquals(503, page.statusCode());
            assertTrue(page.body().contains("The todos service has not answered within 5 s"), page.body());
            assertTrue(page.body().contains("<form method=\"post\" action=\"/todos\">"), "todos can still be added");
        }
    }

    @Test
    void aListLostWithTheConnectionToExoComBlamesExoComNotTodos() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean connected = new java.util.concurrent.atomic.AtomicBoolean(true);
        MockExoRelay relay = new MockExoRelay("web").answer("todos.list", (command, context) -> {
            connected.set(false); // ExoCom goes away while the web service waits for the list
        });
        try (WebServer web = new WebServer(relay, connected::get,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start()) {
            HttpResponse<String> page = get(web);
            assertEquals(503, page.statusCode());
            assertTrue(page.body().contains("ExoCom unreachable:</strong>"), page.body());
            assertFalse(page.body().contains("todos service"), page.body());
        }
    }

    private static URI uri(WebServer web, String path) {
        return URI.create("http://127.0.0.1:" + web.port() + path);
    }
}
