// The README's "ExoRelay for Java" example, compiled so that it cannot rot. Everything below the package line
// is the README's code block, character for character: io.exocom.relay.ReadmeExampleTest checks that, and
// io.exocom.relay.ReadmeExampleIT runs it against a broker with examples/readme-example/routes.yaml.
package io.exocom.relay.readme;

import com.fasterxml.jackson.core.type.TypeReference;
import io.exocom.relay.ExoRelay;
import io.exocom.relay.Reply;

import java.time.Duration;
import java.util.List;
import java.util.Map;

public class Main {
    record Todo(String id, String text) {}

    public static void main(String[] args) {
        // SERVICE_NAME (required), EXOCOM_HOST, EXOCOM_PORT, EXOCOM_INSTANCE, EXOCOM_TOKEN / EXOCOM_TOKEN_FILE
        ExoRelay relay = ExoRelay.fromEnvironment();
        // or: ExoRelay.builder().service("todos").host("localhost").port(3100).build();

        relay.on("todos.create", (message, context) -> {
            String text = message.payload().path("text").asText();
            if (text.isBlank()) {
                context.reply("todos.invalid", Map.of("problem", "A todo needs a text"));
            } else {
                context.reply("todos.created", new Todo("1", text));
            }
        });
        relay.onOnline(() -> System.out.println("online"))
             .onOffline(reason -> System.out.println("offline: " + reason))
             .onError(error -> System.err.println(error.getMessage()));
        Runtime.getRuntime().addShutdownHook(new Thread(relay::close));
        relay.start().toCompletableFuture().join();          // registered with ExoCom

        relay.request("todos.list", null, Duration.ofSeconds(5)).whenComplete((Reply reply, Throwable error) -> {
            if (error != null) {                               // refused (forbidden, no-receivers, ...) or no reply
                System.err.println("todos.list failed: " + error.getMessage());
                return;
            }
            switch (reply.outcome()) {                         // outcomes in the domain's words
                case "todos.listed" -> System.out.println(reply.payloadAs(new TypeReference<List<Todo>>() {}));
                default -> System.out.println("unexpected outcome " + reply.outcome());
            }
        });
    }
}
