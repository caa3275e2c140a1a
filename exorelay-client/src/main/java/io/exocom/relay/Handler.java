package io.exocom.relay;

/**
 * Handles one kind of message, synchronously: the message counts as handled when the method returns, and as
 * failed (ExoCom delivers it again) when it throws.
 * <pre>{@code
 * relay.on("todos.create", (message, context) -> {
 *     Todo todo = todos.add(message.payloadAs(NewTodo.class));
 *     context.reply("todos.created", todo);
 * });
 * }</pre>
 */
@FunctionalInterface
public interface Handler {
    void handle(Message message, Context context) throws Exception;
}
