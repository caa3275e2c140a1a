package io.exocom.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.Envelope;
import io.exocom.protocol.Frame;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** What handlers' contexts and the dispatcher need from the relay that runs them. */
interface Outbox {

    /** A command sent and the replies awaited. */
    record Asked(CompletionStage<Accepted> sent, CompletionStage<Reply> reply) {
    }

    /** Sends a complete envelope (id set). */
    CompletionStage<Accepted> submit(Envelope envelope);

    /** Sends a command and waits for its replies; see {@link Sender#stream}. */
    Asked ask(Envelope command, Duration timeout, Consumer<Reply> onReply);

    Duration defaultTimeout();

    ObjectMapper mapper();

    /** Sends an ack or nack on the connection a delivery came on, if that connection is still open. */
    void acknowledge(Channel channel, Frame frame);

    /** Tells the relay's error listeners. */
    void reportError(Throwable error);
}
