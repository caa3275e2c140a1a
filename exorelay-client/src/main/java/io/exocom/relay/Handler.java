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
    /**
     * @param message the delivered message
     * @param context replies to it, and sends with its originId
     * @throws Exception to have the message nacked and delivered again
     */
    void handle(Message message, Context context) throws Exception;
}
