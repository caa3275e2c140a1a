package io.exocom.relay;

import java.util.concurrent.CompletionStage;

/**
 * Handles one kind of message asynchronously: the message counts as handled when the returned stage completes,
 * and as failed (ExoCom delivers it again) when it completes exceptionally or the method throws.
 */
@FunctionalInterface
public interface AsyncHandler {
    /**
     * @param message the delivered message
     * @param context replies to it, and sends with its originId
     * @return completes when the message is handled (null counts as handled at once)
     * @throws Exception to have the message nacked and delivered again
     */
    CompletionStage<?> handle(Message message, Context context) throws Exception;
}
