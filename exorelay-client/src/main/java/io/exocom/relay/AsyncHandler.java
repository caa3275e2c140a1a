package io.exocom.relay;

import java.util.concurrent.CompletionStage;

/**
 * Handles one kind of message asynchronously: the message counts as handled when the returned stage completes,
 * and as failed (ExoCom delivers it again) when it completes exceptionally or the method throws.
 */
@FunctionalInterface
public interface AsyncHandler {
    CompletionStage<?> handle(Message message, Context context) throws Exception;
}
