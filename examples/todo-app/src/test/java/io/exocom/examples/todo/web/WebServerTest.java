package io.exocom.examples.todo.web;

import io.exocom.relay.testing.MockExoRelay;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web service with the todos service scripted: what the page shows for each outcome. */
class WebServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theHomePageShowsTheListedTodosEscaped() throws Exception {
        MockExoRelay relay = new MockExoRelay("web")
                .answer("todos.list", "todos.listed", List.of(Map.of("id", "1", "text", "buy <milk>")));
        try (WebServer web = new WebServer(relay, 0).start()) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(uri(web, "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<li>buy &lt;milk&gt;</li>"), page.body());
            assertTrue(page.body().contains("<form method=\"post\" action=\"/todos\">"));
        }
    }

    @Test
    void anInvalidTodoShowsTheOutcomeOfTheTodosService() throws Exception {
        MockExoRelay relay = new MockExoRelay("web")
                .answer("todos.list", "todos.listed", List.of())
                .answer("todos.create", "todos.invalid", Map.of("problem", "A todo needs a text."));
        try (WebServer web = new WebServer(relay, 0).start()) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(uri(web, "/todos"))
                            .header("Content-Type", "application/x-www-form-urlencoded")
                            .POST(HttpRequest.BodyPublishers.ofString("text=")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(422, page.statusCode());
            assertTrue(page.body().contains("todos.invalid:</strong> A todo needs a text."), page.body());
            assertEquals("", relay.sent("todos.create").get(0).payload().path("text").asText());
        }
    }

    @Test
    void withoutTheTodosServiceThePageSaysSo() throws Exception {
        MockExoRelay relay = new MockExoRelay("web");
        try (WebServer web = new WebServer(relay, 0).start()) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(uri(web, "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(503, page.statusCode());
            assertTrue(page.body().contains("not available"), page.body());
        }
    }

    private static URI uri(WebServer web, String path) {
        return URI.create("http://localhost:" + web.port() + path);
    }
}
