package io.exocom.examples.todo.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.exocom.relay.ExoRelay;
import io.exocom.relay.Messaging;
import io.exocom.relay.Reply;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;

/**
 * The web service: the home page lists the todos and has a form to add one. It knows nothing of the todos
 * service but the messages it sends through ExoCom: {@code todos.list} and {@code todos.create}.
 */
public final class WebServer implements AutoCloseable {
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

    private final Messaging relay;
    private final HttpServer server;

    /** Serves on {@code port} (0: any free port), asking through {@code relay}. */
    public WebServer(Messaging relay, int port) throws IOException {
        this.relay = relay;
        this.server = HttpServer.create(new InetSocketAddress(port), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::route);
    }

    public WebServer start() {
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void route(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/") && method.equals("GET")) {
                home(exchange, null, null, 200);
            } else if (path.equals("/todos") && method.equals("POST")) {
                create(exchange);
            } else {
                send(exchange, 404, HomePage.notFound());
            }
        } catch (RuntimeException e) {
            send(exchange, 500, HomePage.unavailable("Something went wrong: " + e.getMessage()));
        }
    }

    /** Renders the home page with the list ExoCom's todos service gives, and an optional form problem. */
    private void home(HttpExchange exchange, String outcome, String problem, int status) throws IOException {
        Reply listed;
        try {
            listed = relay.request("todos.list", null, ASK_TIMEOUT).toCompletableFuture().join();
        } catch (CompletionException e) {
            send(exchange, 503, HomePage.unavailable("The todo list is not available right now: "
                    + e.getCause().getMessage()));
            return;
        }
        if (!listed.is("todos.listed")) {
            send(exchange, 502, HomePage.unavailable("The todos service answered " + listed.outcome()));
            return;
        }
        send(exchange, status, HomePage.render(listed.payload(), outcome, problem));
    }

    private void create(HttpExchange exchange) throws IOException {
        String text = form(exchange).getOrDefault("text", "");
        Reply reply;
        try {
            reply = relay.request("todos.create", Map.of("text", text), ASK_TIMEOUT).toCompletableFuture().join();
        } catch (CompletionException e) {
            send(exchange, 503, HomePage.unavailable("The todo could not be added right now: "
                    + e.getCause().getMessage()));
            return;
        }
        switch (reply.outcome()) {
            case "todos.created" -> {
                exchange.getResponseHeaders().set("Location", "/");
                exchange.sendResponseHeaders(303, -1);
            }
            case "todos.invalid" -> home(exchange, reply.outcome(), reply.payload().path("problem").asText(), 422);
            default -> home(exchange, reply.outcome(), "The todos service answered " + reply.outcome(), 502);
        }
    }

    private static Map<String, String> form(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        java.util.HashMap<String, String> fields = new java.util.HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            fields.put(key, value);
        }
        return fields;
    }

    private static void send(HttpExchange exchange, int status, String html) throws IOException {
        byte[] bytes = html.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Runs the service: SERVICE_NAME (web), EXOCOM_HOST, EXOCOM_PORT, and PORT for HTTP (default 3000). */
    public static void main(String[] args) throws IOException {
        ExoRelay relay = ExoRelay.fromEnvironment();
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "3000"));
        WebServer web = new WebServer(relay, port);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            web.close();
            relay.close();
        }, "web-shutdown"));
        // As in the seed: once the relay is online, the web server goes online.
        relay.start().toCompletableFuture().join();
        web.start();
        System.out.println("Todo web server listening on port " + web.port());
    }
}
