package io.exocom.relay;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Sends messages through ExoCom. {@link ExoRelay} is one; so is the {@link Context} a handler gets, which
 * additionally stamps everything it sends with the handled message's {@code originId}.
 *
 * <p>Payloads may be a Jackson {@code JsonNode}, any object Jackson can write (records, maps, lists,
 * strings, numbers), or null.
 */
public interface Sender {

    /**
     * Sends a command or event.
     *
     * @return completes when ExoCom accepted the message; fails with {@link ExoComRejectedException} (carrying
     * ExoCom's code and sentence) when it refused it, with {@link RelayBufferFullException} when ExoCom is
     * unreachable and too many sends already wait, or with {@link RelayClosedException} after close
     */
    CompletionStage<Accepted> send(String name, Object payload);

    /**
     * Sends a command and waits for its reply.
     *
     * @param timeout how long to wait for the reply, from now
     * @return the reply (the final one, when the receiver streams several); fails with
     * {@link ExoComRejectedException} when ExoCom refused the command, {@link RequestTimeoutException}
     * when no reply came in time
     */
    CompletionStage<Reply> request(String name, Object payload, Duration timeout);

    /** {@link #request(String, Object, Duration)} with the relay's default request timeout. */
    CompletionStage<Reply> request(String name, Object payload);

    /**
     * Sends a command and hands every reply of its streaming reply, in order, to {@code onReply}, the final one
     * included.
     *
     * @param timeout how long to wait for each next reply
     * @return completes with the final reply, after {@code onReply} has seen it; fails like
     * {@link #request(String, Object, Duration)} and also when {@code onReply} throws
     */
    CompletionStage<Reply> stream(String name, Object payload, Duration timeout, Consumer<Reply> onReply);
}
