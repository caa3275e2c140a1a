package io.exocom.examples.todo.todos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The todo entries, in memory, in the order they were added. Each remembers the request that added it, so that
 * a retried request adds nothing: the relay's own de-duplication only covers redeliveries of one message, while a
 * person who retries sends a new message with the same request id.
 */
public final class TodoStore {
    private final List<Todo> todos = new ArrayList<>();
    // one entry per todo added with a request id: it grows with the list itself, never beyond it
    private final Map<String, Todo> byRequest = new HashMap<>();
    private int lastId;

    /** Adds a todo; with a request id that already added one, returns that one and adds nothing. */
    public synchronized Todo add(String requestId, String text) {
        if (requestId != null) {
            Todo earlier = byRequest.get(requestId);
            if (earlier != null) {
                return earlier;
            }
        }
        Todo todo = new Todo(Integer.toString(++lastId), text);
        todos.add(todo);
        if (requestId != null) {
            byRequest.put(requestId, todo);
        }
        return todo;
    }

    /** Adds a todo that no request id identifies, so that every call adds one. */
    public Todo add(String text) {
        return add(null, text);
    }

    public synchronized List<Todo> all() {
        return List.copyOf(todos);
    }
}
