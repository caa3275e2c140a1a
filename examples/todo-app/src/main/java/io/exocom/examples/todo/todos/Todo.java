package io.exocom.examples.todo.todos;

/** One todo entry. */
public record Todo(String id, String text) {
}
