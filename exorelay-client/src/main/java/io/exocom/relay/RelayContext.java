package io.exocom.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/** The {@link Context} of one handled message: stamps its originId on every send and tracks the sends. */
final class RelayContext implements Context {
    private final Message message;
    private final RelayPort outbox;
    private final List<CompletableFuture<Accepted>> sends = new ArrayList<>();

    RelayContext(Message message, RelayPort outbox) {
        this.message = message;
        this.outbox = outbox;
    }

    @Override
    public Message message() {
        return message;
    }

    @Override
    public CompletionStage<Accepted> reply(String outcome, Object payload) {
        return track(outbox.submit(Envelopes.reply(outcome, payload, message, true)));
    }

    @Override
    public CompletionStage<Accepted> replyPartial(String outcome, Object payload) {
        return track(outbox.submit(Envelopes.reply(outcome, payload, message, false)));
    }

    @Override
    public CompletionStage<Accepted> send(String name, Object payload) {
        return track(outbox.submit(command(name, payload)));
    }

    @Override
    public CompletionStage<Reply> request(String name, Object payload, Duration timeout) {
        return stream(name, payload, timeout, null);
    }

    @Override
    public CompletionStage<Reply> request(String name, Object payload) {
        return request(name, payload, outbox.defaultTimeout());
    }

    @Override
    public CompletionStage<Reply> stream(String name, Object payload, Duration timeout, Consumer<Reply> onReply) {
        Objects.requireNonNull(timeout, "timeout");
        RelayPort.Asked asked = outbox.ask(command(name, payload), timeout, onReply);
        track(asked.sent());
        return asked.reply();
    }

    private FrameWriter.Outgoing command(String name, Object payload) {
        return Envelopes.command(name, payload, message.originId());
    }

    private CompletionStage<Accepted> track(CompletionStage<Accepted> sent) {
        synchronized (sends) {
            sends.add(sent.toCompletableFuture());
        }
        return sent;
    }

    /** Completes when ExoCom answered every send made so far, whatever the answers. */
    CompletableFuture<Void> allSendsAnswered() {
        CompletableFuture<?>[] all;
        synchronized (sends) {
            all = sends.toArray(new CompletableFuture<?>[0]);
        }
        return CompletableFuture.allOf(all).handle((ignored, error) -> null);
    }
}
