package io.exocom.examples.todo.todos;

import java.util.ArrayList;
import java.util.List;

/** The todo entries, in memory, in the order they were added. */
public final class TodoStore {
    private final List<Todo> todos = new ArrayList<>();
    private int lastId;

    public synchronized Todo add(String text) {
        Todo todo = new Todo(Integer.toString(++lastId), text);
        todos.add(todo);
        return todo;
    }

    public synchronized List<Todo> all() {
        return List.copyOf(todos);
    }
}
