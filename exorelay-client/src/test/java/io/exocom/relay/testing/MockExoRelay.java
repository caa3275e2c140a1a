package io.exocom.relay.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.Envelope;
import io.exocom.protocol.ErrorCode;
import io.exocom.relay.Accepted;
import io.exocom.relay.AsyncHandler;
import io.exocom.relay.Context;
import io.exocom.relay.ExoComRejectedException;
import io.exocom.relay.Handler;
import io.exocom.relay.Message;
import io.exocom.relay.Messaging;
import io.exocom.relay.Reply;
import io.exocom.relay.RequestTimeoutException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A {@link Messaging} without ExoCom, for a service's own unit tests: "given this message, my service replies
 * with that outcome". Everything runs at once on the calling thread, so tests need no waiting.
 * <pre>{@code
 * MockExoRelay relay = new MockExoRelay("todos");
 * TodosService.register(relay, new TodoStore());            // the same code that registers on an ExoRelay
 *
 * MockExoRelay.Handling handling = relay.receive("todos.create", Map.of("text", ""));
 * assertEquals("todos.invalid", handling.outcome());
 * assertTrue(handling.acked());
 * }</pre>
 * For services that ask others, script the other side with {@link #answer(String, Handler)} or
 * {@link #answer(String, String, Object)}; {@link #sent()} lists everything the service sent.
 *
 * <p>Ships in exorelay-client's test-jar: depend on {@code io.exocom:exorelay-client} with
 * {@code <type>test-jar</type>} and {@code <scope>test</scope>}.
 */
public final class MockExoRelay implements Messaging {
    private static final String TEST_SENDER = "test";

    private final String service;
    private final ObjectMapper mapper;
    private final Map<String, AsyncHandler> handlers = new ConcurrentHashMap<>();
    private final Map<String, Handler> answers = new ConcurrentHashMap<>();
    private final Map<String, ExoComRejectedException> rejections = new ConcurrentHashMap<>();
    private final List<Message> sent = Collections.synchronizedList(new ArrayList<>());
    private long clock = 1;

    /** A mock relay for the service named {@code service}. */
    public MockExoRelay(String service) {
        this(service, new ObjectMapper());
    }

    public MockExoRelay(String service, ObjectMapper mapper) {
        this.service = Objects.requireNonNull(service, "service");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    // ------------------------------------------------------------------ Messaging: the service's side

    @Override
    public MockExoRelay on(String name, Handler handler) {
        Objects.requireNonNull(handler, "handler");
        return onAsync(name, (message, context) -> {
            handler.handle(message, context);
            return CompletableFuture.completedFuture(null);
        });
    }

    @Override
    public MockExoRelay onAsync(String name, AsyncHandler handler) {
        if (handlers.putIfAbsent(Objects.requireNonNull(name), Objects.requireNonNull(handler)) != null) {
            throw new IllegalStateException("a handler for \"" + name + "\" is already registered");
        }
        return this;
    }

    @Override
    public CompletionStage<Accepted> send(String name, Object payload) {
        return sendFrom(null, name, payload);
    }

    @Override
    public CompletionStage<Reply> request(String name, Object payload, Duration timeout) {
        return streamFrom(null, name, payload, timeout, null);
    }

    @Override
    public CompletionStage<Reply> request(String name, Object payload) {
        return request(name, payload, Duration.ofSeconds(30));
    }

    @Override
    public CompletionStage<Reply> stream(String name, Object payload, Duration timeout, Consumer<Reply> onReply) {
        return streamFrom(null, name, payload, timeout, Objects.requireNonNull(onReply));
    }

    // ------------------------------------------------------------------ scripting the other services

    /** Another service answers commands named {@code name} with this handler (its context's replies go back). */
    public MockExoRelay answer(String name, Handler otherService) {
        answers.put(Objects.requireNonNull(name), Objects.requireNonNull(otherService));
        return this;
    }

    /** Another service answers commands named {@code name} with one final reply. */
    public MockExoRelay answer(String name, String outcome, Object payload) {
        return answer(name, (command, context) -> context.reply(outcome, payload));
    }

    /** ExoCom refuses sends named {@code name} with this code, as it would for missing routes. */
    public MockExoRelay reject(String name, ErrorCode code) {
        rejections.put(name, new ExoComRejectedException(code, "service \"" + service + "\" may not send \"" + name
                + "\" (" + code + ", scripted by MockExoRelay)", null));
        return this;
    }

    /** Every command, event and reply this service sent so far, oldest first. */
    public List<Message> sent() {
        synchronized (sent) {
            return List.copyOf(sent);
        }
    }

    /** The messages named {@code name} this service sent so far. */
    public List<Message> sent(String name) {
        return sent().stream().filter(message -> message.name().equals(name)).toList();
    }

    // ------------------------------------------------------------------ driving the service's handlers

    /** Delivers a command named {@code name} from service "test" to this service's handler. */
    public Handling receive(String name, Object payload) {
        return receive(envelope(name, payload, null).accepted(tick(), TEST_SENDER), 1);
    }

    /**
     * Delivers this envelope (e.g. one with an {@code originId}, {@code headers} or a {@code sender} of your
     * choice) as delivery attempt {@code attempt}, waits up to 10 s for an asynchronous handler, and tells what
     * the handler did.
     */
    public Handling receive(Envelope envelope, int attempt) {
        Envelope delivered = envelope.id() == null ? envelope.withId(UUID.randomUUID().toString()) : envelope;
        if (delivered.timestamp() == 0 || delivered.originId() == null || delivered.sender() == null) {
            delivered = delivered.accepted(delivered.timestamp() == 0 ? tick() : delivered.timestamp(),
                    delivered.sender() == null ? TEST_SENDER : delivered.sender());
        }
        Message message = new Message(delivered, attempt, mapper);
        int before = sent().size();
        AsyncHandler handler = handlers.get(message.name());
        if (handler == null) {
            return new Handling(message, List.of(), false,
                    new IllegalStateException(service + " has no handler for \"" + message.name()
                            + "\": a real relay would nack it"));
        }
        Throwable failure = null;
        try {
            CompletionStage<?> stage = handler.handle(message, new MockContext(message));
            if (stage != null) {
                stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (TimeoutException e) {
            failure = new AssertionError("the handler for \"" + message.name() + "\" did not finish within 10 s");
        } catch (Exception e) {
            failure = e;
        }
        List<Message> all = sent();
        return new Handling(message, all.subList(before, all.size()), failure == null, failure);
    }

    /** What one handled message led to. */
    public static final class Handling {
        private final Message message;
        private final List<Message> sent;
        private final boolean acked;
        private final Throwable failure;

        Handling(Message message, List<Message> sent, boolean acked, Throwable failure) {
            this.message = message;
            this.sent = List.copyOf(sent);
            this.acked = acked;
            this.failure = failure;
        }

        /** The delivered message. */
        public Message message() {
            return message;
        }

        /** True when the handler finished, so a real relay acks; false when it failed or none exists (nack). */
        public boolean acked() {
            return acked;
        }

        /** Why the handling failed, or null. */
        public Throwable failure() {
            return failure;
        }

        /** The replies to the message, in order (intermediate ones of a streaming reply first). */
        public List<Reply> replies() {
            return sent.stream().filter(m -> message.id().equals(m.responseTo())).map(Reply::new).toList();
        }

        /** The final reply; fails the test when there is none. */
        public Reply reply() {
            return replies().stream().filter(Reply::isFinal).reduce((first, second) -> second)
                    .orElseThrow(() -> new AssertionError("\"" + message.name() + "\" got no final reply"
                            + (failure == null ? "" : "; the handler failed: " + failure)));
        }

        /** The outcome of the final reply. */
        public String outcome() {
            return reply().outcome();
        }

        /** The commands and events (not replies) the handler sent. */
        public List<Message> sent() {
            return sent.stream().filter(m -> !message.id().equals(m.responseTo())).toList();
        }

        @Override
        public String toString() {
            return "Handling[" + message.name() + (acked ? " acked" : " nacked") + " sent=" + sent + "]";
        }
    }

    // ------------------------------------------------------------------ the mock's machinery

    private Envelope envelope(String name, Object payload, String originId) {
        Envelope envelope = Envelope.command(name, payload instanceof com.fasterxml.jackson.databind.JsonNode node
                        ? node : mapper.valueToTree(payload))
                .withId(UUID.randomUUID().toString());
        return originId == null ? envelope : envelope.withOriginId(originId);
    }

    private synchronized long tick() {
        return clock++;
    }

    private CompletionStage<Accepted> record(Envelope envelope) {
        ExoComRejectedException rejection = rejections.get(envelope.name());
        if (rejection != null) {
            return CompletableFuture.failedFuture(
                    new ExoComRejectedException(rejection.code(), rejection.getMessage(), envelope.id()));
        }
        Envelope accepted = envelope.accepted(tick(), service);
        sent.add(new Message(accepted, 1, mapper));
        return CompletableFuture.completedFuture(new Accepted(accepted.id(), accepted.timestamp()));
    }

    private CompletionStage<Accepted> sendFrom(Message cause, String name, Object payload) {
        Envelope envelope = envelope(name, payload, cause == null ? null : cause.originId());
        CompletionStage<Accepted> result = record(envelope);
        Handler other = answers.get(name);
        if (other != null && result.toCompletableFuture().isDone() && !result.toCompletableFuture().isCompletedExceptionally()) {
            runOther(other, envelope, reply -> { });
        }
        return result;
    }

    private CompletionStage<Reply> streamFrom(Message cause, String name, Object payload, Duration timeout,
                                              Consumer<Reply> onReply) {
        Envelope envelope = envelope(name, payload, cause == null ? null : cause.originId());
        CompletableFuture<Accepted> accepted = record(envelope).toCompletableFuture();
        if (accepted.isCompletedExceptionally()) {
            return accepted.thenApply(ignored -> null);
        }
        Handler other = answers.get(name);
        if (other == null) {
            return CompletableFuture.failedFuture(new ExoComRejectedException(ErrorCode.NO_RECEIVERS,
                    "MockExoRelay: nothing answers \"" + name + "\"; script it with answer(\"" + name + "\", ...)",
                    envelope.id()));
        }
        CompletableFuture<Reply> result = new CompletableFuture<>();
        runOther(other, envelope, reply -> {
            if (result.isDone()) {
                return;
            }
            if (onReply != null) {
                onReply.accept(reply);
            }
            if (reply.isFinal()) {
                result.complete(reply);
            }
        });
        if (!result.isDone()) {
            result.completeExceptionally(new RequestTimeoutException(name, envelope.id(), timeout));
        }
        return result;
    }

    private void runOther(Handler other, Envelope command, Consumer<Reply> replies) {
        Message delivered = new Message(command.accepted(tick(), service), 1, mapper);
        Context context = new OtherServiceContext(delivered, replies);
        try {
            other.handle(delivered, context);
        } catch (Exception e) {
            throw new IllegalStateException("the scripted answer to \"" + command.name() + "\" failed", e);
        }
    }

    /** The context of this service's handler: sends are recorded, with the handled message's originId. */
    private final class MockContext implements Context {
        private final Message message;

        MockContext(Message message) {
            this.message = message;
        }

        @Override
        public Message message() {
            return message;
        }

        @Override
        public CompletionStage<Accepted> reply(String outcome, Object payload) {
            return record(envelope(outcome, payload, message.originId()).withResponseTo(message.id(), true));
        }

        @Override
        public CompletionStage<Accepted> replyPartial(String outcome, Object payload) {
            return record(envelope(outcome, payload, message.originId()).withResponseTo(message.id(), false));
        }

        @Override
        public CompletionStage<Accepted> send(String name, Object payload) {
            return sendFrom(message, name, payload);
        }

        @Override
        public CompletionStage<Reply> request(String name, Object payload, Duration timeout) {
            return streamFrom(message, name, payload, timeout, null);
        }

        @Override
        public CompletionStage<Reply> request(String name, Object payload) {
            return request(name, payload, Duration.ofSeconds(30));
        }

        @Override
        public CompletionStage<Reply> stream(String name, Object payload, Duration timeout, Consumer<Reply> onReply) {
            return streamFrom(message, name, payload, timeout, onReply);
        }
    }

    /** The context of a scripted other service: its replies go straight back to the asking call. */
    private final class OtherServiceContext implements Context {
        private final Message message;
        private final Consumer<Reply> replies;

        OtherServiceContext(Message message, Consumer<Reply> replies) {
            this.message = message;
            this.replies = replies;
        }

        @Override
        public Message message() {
            return message;
        }

        @Override
        public CompletionStage<Accepted> reply(String outcome, Object payload) {
            return deliver(outcome, payload, true);
        }

        @Override
        public CompletionStage<Accepted> replyPartial(String outcome, Object payload) {
            return deliver(outcome, payload, false);
        }

        private CompletionStage<Accepted> deliver(String outcome, Object payload, boolean last) {
            Envelope reply = envelope(outcome, payload, message.originId()).withResponseTo(message.id(), last)
                    .accepted(tick(), "other");
            replies.accept(new Reply(new Message(reply, 1, mapper)));
            return CompletableFuture.completedFuture(new Accepted(reply.id(), reply.timestamp()));
        }

        @Override
        public CompletionStage<Accepted> send(String name, Object payload) {
            return CompletableFuture.completedFuture(new Accepted(UUID.randomUUID().toString(), tick()));
        }

        @Override
        public CompletionStage<Reply> request(String name, Object payload, Duration timeout) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException(
                    "MockExoRelay: scripted answers cannot ask further services"));
        }

        @Override
        public CompletionStage<Reply> request(String name, Object payload) {
            return request(name, payload, Duration.ofSeconds(30));
        }

        @Override
        public CompletionStage<Reply> stream(String name, Object payload, Duration timeout, Consumer<Reply> onReply) {
            return request(name, payload, timeout);
        }
    }
}
