package io.exocom.relay;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** What handlers' contexts and the dispatcher need from the relay that runs them. */
interface RelayPort {

    /** A command sent and the replies awaited. */
    record Asked(CompletionStage<Accepted> sent, CompletionStage<Reply> reply) {
    }

    /** Sends a complete message (id set). */
    CompletionStage<Accepted> submit(FrameWriter.Outgoing message);

    /** Sends a command and waits for its replies; see {@link Sender#stream}. */
    Asked ask(FrameWriter.Outgoing command, Duration timeout, Consumer<Reply> onReply);

    Duration defaultTimeout();

    ObjectMapper mapper();

    /** Acks a delivery on the connection it came on, if that connection is still open. */
    void ack(Wire wire, String id);

    /** Nacks (with requeue) a delivery on the connection it came on, if that connection is still open. */
    void nack(Wire wire, String id, String reason);

    /** Tells the relay's error listeners. */
    void reportError(Throwable error);
}
