package io.exocom.examples.todo.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.exocom.examples.todo.web.HomePage.Form;
import io.exocom.examples.todo.web.HomePage.Notice;
import io.exocom.relay.ExoComRejectedException;
import io.exocom.relay.ExoRelay;
import io.exocom.relay.Messaging;
import io.exocom.relay.Reply;
import io.exocom.relay.RequestTimeoutException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The web service: the home page lists the todos and has a form to add one. It knows nothing of the todos
 * service but the messages it sends through ExoCom: {@code todos.list} and {@code todos.create}.
 *
 * <p>It tells apart what can go wrong, because each asks something else of the person: ExoCom unreachable
 * (nothing was sent, try again), ExoCom refusing (nothing was added), and no outcome within {@link #ASK_TIMEOUT}
 * (ExoCom took the command and the todos service will add it when it gets to it: do not add it again). Each form
 * carries a request id made when the page is rendered, so that a resubmitted form adds its todo once.
 */
public final class WebServer implements AutoCloseable {
    /** How long the web service waits for the todos service's outcome before answering the browser. */
    public static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

    private final Messaging relay;
    private final BooleanSupplier exoComReachable;
    private final HttpServer server;
    private final ExecutorService workers = Executors.newFixedThreadPool(4);

    /**
     * Serves on {@code address} (port 0: any free port), asking through {@code relay}; {@code exoComReachable}
     * says whether the relay is connected to ExoCom right now (an {@link ExoRelay}'s {@code isOnline}).
     */
    public WebServer(Messaging relay, BooleanSupplier exoComReachable, InetSocketAddress address) throws IOException {
        this.relay = relay;
        this.exoComReachable = exoComReachable;
        this.server = HttpServer.create(address, 0);
        server.setExecutor(workers);
        server.createContext("/", this::route);
    }

    public WebServer start() {
        server.start();
        return this;
    }

    /** Where the server listens; with port 0 given, the port it got. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdown();
    }

    private void route(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (path.equals("/") && method.equals("GET")) {
                home(exchange, 200, null, freshForm());
            } else if (path.equals("/todos") && method.equals("POST")) {
                create(exchange);
            } else {
                send(exchange, 404, HomePage.notFound());
            }
        } catch (RuntimeException e) {
            send(exchange, 500, HomePage.unavailable("Something went wrong: " + e.getMessage()));
        }
    }

    private static Form freshForm() {
        return new Form(UUID.randomUUID().toString(), "");
    }

    /** The home page with the list the todos service gives (or why there is none), a notice and the form. */
    private void home(HttpExchange exchange, int status, Notice notice, Form form) throws IOException {
        if (!exoComReachable.getAsBoolean()) {
            send(exchange, 503, HomePage.render(null, unreachable("the todo list cannot be shown"), form));
            return;
        }
        Reply listed;
        try {
            listed = relay.request("todos.list", null, ASK_TIMEOUT).toCompletableFuture().join();
        } catch (CompletionException e) {
            send(exchange, 503, HomePage.render(null, notice != null ? notice : listFailed(e.getCause()), form));
            return;
        }
        if (!listed.is("todos.listed")) {
            send(exchange, 502, HomePage.render(null, Notice.problem(listed.outcome(),
                    "The todos service answered todos.list with " + listed.outcome() + "."), form));
            return;
        }
        send(exchange, status, HomePage.render(listed.payload(), notice, form));
    }

    private Notice listFailed(Throwable cause) {
        if (cause instanceof RequestTimeoutException && !exoComReachable.getAsBoolean()) {
            return unreachable("the todo list cannot be shown"); // lost while waiting: todos is not to blame
        }
        if (cause instanceof RequestTimeoutException) {
            return Notice.problem("todos.list", "The todos service has not answered within " + ASK_TIMEOUT.toSeconds()
                    + " s, so the list cannot be shown right now. Todos you add meanwhile wait in ExoCom until it is "
                    + "back.");
        }
        if (cause instanceof ExoComRejectedException rejected) {
            return Notice.problem("ExoCom refused todos.list", rejected.getMessage());
        }
        return unreachable("the todo list cannot be shown");
    }

    private void create(HttpExchange exchange) throws IOException {
        Map<String, String> fields = form(exchange);
        Form submitted = new Form(fields.getOrDefault("requestId", ""), fields.getOrDefault("text", ""));
        if (!exoComReachable.getAsBoolean()) {
            // nothing is sent, so that nothing is added behind the person's back once ExoCom is back
            send(exchange, 503, HomePage.render(null, unreachable("the todo was not added"), submitted));
            return;
        }
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("text", submitted.text());
        if (!submitted.requestId().isEmpty()) {
            command.put("requestId", submitted.requestId());
        }
        Reply reply;
        try {
            reply = relay.request("todos.create", command, ASK_TIMEOUT).toCompletableFuture().join();
        } catch (CompletionException e) {
            createFailed(exchange, e.getCause(), submitted);
            return;
        }
        switch (reply.outcome()) {
            case "todos.created" -> {
                exchange.getResponseHeaders().set("Location", "/");
                exchange.sendResponseHeaders(303, -1);
            }
            case "todos.invalid" -> home(exchange, 422,
                    Notice.problem(reply.outcome(), reply.payload().path("problem").asText()), submitted);
            default -> home(exchange, 502, Notice.problem(reply.outcome(),
                    "The todos service answered todos.create with " + reply.outcome() + "."), submitted);
        }
    }

    private void createFailed(HttpExchange exchange, Throwable cause, Form submitted) throws IOException {
        if (cause instanceof RequestTimeoutException) {
            if (exoComReachable.getAsBoolean()) {
                // Connected and no refusal: ExoCom answers a send within milliseconds, so it accepted the command,
                // which now waits for the todos service.
                send(exchange, 202, HomePage.render(null, Notice.info("Your todo was accepted: it appears on the "
                        + "list as soon as the todos service has handled it. There is no need to add it again."),
                        freshForm()));
            } else {
                // The relay sends again, with the same id, what ExoCom had not answered; a retry of this form is
                // harmless because it carries the same request id.
                send(exchange, 202, HomePage.render(null, Notice.info("The connection to ExoCom was lost before "
                        + "your todo was confirmed; it is added once ExoCom is back. Adding it again with this form "
                        + "is safe: it is added only once."), submitted));
            }
            return;
        }
        if (cause instanceof ExoComRejectedException rejected) {
            send(exchange, 503, HomePage.render(null, Notice.problem("ExoCom refused the todo",
                    rejected.getMessage() + " The todo was not added."), submitted));
            return;
        }
        // RelayBufferFullException, RelayClosedException: it never left this service
        send(exchange, 503, HomePage.render(null, unreachable("the todo was not added"), submitted));
    }

    private static Notice unreachable(String consequence) {
        return Notice.problem("ExoCom unreachable", "ExoCom, the message bus between the services, cannot be "
                + "reached right now, so " + consequence + ". The web service reconnects by itself: try again in a "
                + "moment.");
    }

    private static Map<String, String> form(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Map<String, String> fields = new HashMap<>();
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

    /**
     * Runs the service: SERVICE_NAME (web), EXOCOM_HOST, EXOCOM_PORT, and PORT (default 3000) and HOST_BIND
     * (default 127.0.0.1) for HTTP. A bad setting ends it with status 2 and one sentence.
     */
    public static void main(String[] args) {
        WebSettings settings;
        ExoRelay relay;
        try {
            settings = WebSettings.fromEnvironment(System.getenv());
            relay = ExoRelay.fromEnvironment();
        } catch (IllegalArgumentException e) {
            System.err.println("web: " + e.getMessage());
            System.exit(2);
            return;
        }
        WebServer web;
        try {
            web = new WebServer(relay, relay::isOnline, settings.address());
        } catch (IOException e) {
            System.err.println("web: cannot listen on " + WebSettings.describe(settings.address()) + ": "
                    + e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            web.close();
            relay.close();
        }, "web-shutdown"));
        // As in the seed: once the relay is online, the web server goes online.
        try {
            relay.start().toCompletableFuture().join();
        } catch (CompletionException e) {
            System.err.println("web: ExoCom refused the web service: " + e.getCause().getMessage());
            System.exit(1);
            return;
        }
        web.start();
        System.out.println("Todo web server listening on " + WebSettings.describe(web.address()));
    }
}
