package io.exocom.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** The handlers of a relay, one per message name. */
final class Handlers {
    private final Map<String, AsyncHandler> byName = new ConcurrentHashMap<>();

    void add(String name, AsyncHandler handler) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        if (!io.exocom.protocol.Limits.isValidName(name)) {
            throw new IllegalArgumentException("\"" + name + "\" is not a valid message name");
        }
        if (byName.putIfAbsent(name, handler) != null) {
            throw new IllegalStateException("a handler for \"" + name + "\" is already registered");
        }
    }

    static AsyncHandler adapt(Handler handler) {
        Objects.requireNonNull(handler, "handler");
        return (message, context) -> {
            handler.handle(message, context);
            return CompletableFuture.completedFuture(null);
        };
    }

    AsyncHandler get(String name) {
        return byName.get(name);
    }

    /** The names with a handler, sorted; announced to ExoCom in the register frame. */
    List<String> names() {
        List<String> names = new ArrayList<>(byName.keySet());
        names.sort(null);
        return names;
    }
}
