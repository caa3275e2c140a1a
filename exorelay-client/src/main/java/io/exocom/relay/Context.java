package io.exocom.relay;

import java.util.concurrent.CompletionStage;

/**
 * What a handler gets besides its message: the way to reply, and a {@link Sender} whose messages carry the
 * handled message's {@code originId}, so that everything caused by one activity can be traced back to it.
 *
 * <p>The relay acknowledges the handled message to ExoCom once the handler has finished and ExoCom has
 * answered every send made through this context.
 */
public interface Context extends Sender {

    /** The message being handled. */
    Message message();

    /**
     * Sends the final reply to the handled command.
     *
     * @param outcome what happened, in the domain's words, e.g. {@code todos.created}
     */
    CompletionStage<Accepted> reply(String outcome, Object payload);

    /**
     * Sends an intermediate reply of a streaming reply ({@code final: false}): more replies follow, the last one
     * through {@link #reply(String, Object)}.
     */
    CompletionStage<Accepted> replyPartial(String outcome, Object payload);
}
