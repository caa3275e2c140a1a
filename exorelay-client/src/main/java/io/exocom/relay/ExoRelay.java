package io.exocom.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.ErrorCode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Connects one service to ExoCom: registers its handlers, delivers the messages ExoCom routes to it, and sends
 * its commands, events and replies.
 * <pre>{@code
 * ExoRelay relay = ExoRelay.fromEnvironment();          // SERVICE_NAME, EXOCOM_HOST, EXOCOM_PORT, ...
 * relay.on("todos.create", (message, context) -> {
 *     context.reply("todos.created", store.add(message.payloadAs(NewTodo.class)));
 * });
 * relay.start().toCompletableFuture().join();            // online: registered with ExoCom
 *
 * Reply reply = relay.request("todos.list", null, Duration.ofSeconds(5)).toCompletableFuture().join();
 * List<Todo> todos = reply.payloadAs(new TypeReference<List<Todo>>() {});
 * }</pre>
 *
 * <p>What it does for the service (PROTOCOL.md §6): reconnects with exponential back-off and jitter after a lost
 * connection, registers again, sends again every send that ExoCom had not answered (with the same id, so nothing
 * is doubled) and keeps waiting for replies; buffers sends while ExoCom is unreachable, up to
 * {@link ExoRelayConfig#maxBufferedSends()}; acks a delivery after its handler finished, nacks it when the handler
 * threw or none exists; remembers recently handled ids so that a redelivered command is not handled twice.
 *
 * <p>Thread-safe. Handlers run on the relay's own threads, several at once (up to the prefetch), never on the
 * socket's thread, so they may block, e.g. on a {@code request(...).toCompletableFuture().join()}.
 *
 * <p>This class is the facade: {@code Connection} owns the connection and its {@link #status()}, {@code Inbox}
 * reads what ExoCom sends, each {@code Wire}'s {@code Outbox} writes, {@code Dispatcher} runs the handlers.
 */
public final class ExoRelay implements Messaging, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ExoRelay.class.getName());

    /** The protocol version this relay speaks (docs/PROTOCOL.md). */
    static final String PROTOCOL_VERSION = Connection.PROTOCOL_VERSION;

    private final ExoRelayConfig config;
    private final String who;
    private final Handlers handlers = new Handlers();
    /** The event loop: reads and writes every wire, and keeps the relay's timers. Its one thread starts lazily. */
    private final EventLoopGroup loop;
    private final Workers pool;
    private final FrameWriter writer;
    private final PendingSends sends;
    private final PendingRequests requests;
    private final Dispatcher dispatcher;
    private final Listeners listeners;
    private final Connection connection;

    private ExoRelay(ExoRelayConfig config) {
        this.config = config;
        this.who = "service \"" + config.service() + "\" instance \"" + config.instance() + "\"";
        Tls tls = config.secure() ? Tls.forBroker(config.host(), config.port(), config.tlsCa()) : null;
        String prefix = "exorelay-" + config.service() + "-";
        // Not a daemon: a started relay keeps the JVM alive, as a server does, until close().
        this.loop = new NioEventLoopGroup(1, threads(prefix + "io-", false));
        this.pool = new Workers(threads(prefix + "worker-", true));
        this.listeners = new Listeners(Executors.newSingleThreadExecutor(threads(prefix + "events-", true)), who);
        this.writer = new FrameWriter(config.mapper());
        this.sends = new PendingSends();
        this.requests = new PendingRequests(loop, pool);
        this.dispatcher = new Dispatcher(handlers, new HandledIds(config.rememberedIds()), pool, new Port(), who);
        this.connection = new Connection(config, who, loop, tls, writer, handlers, sends, listeners);
        this.connection.receiveWith(new Inbox(new FrameReader(config.mapper()), connection, sends, requests,
                dispatcher, listeners, who));
    }

    /** A relay configured from the process environment (PROTOCOL.md §6); see {@link ExoRelayConfig}. */
    public static ExoRelay fromEnvironment() {
        return builder().environment(System.getenv()).build();
    }

    /** A builder, starting from the defaults (localhost:3100, no service name). */
    public static Builder builder() {
        return new Builder();
    }

    /** The configuration this relay was built with. */
    public ExoRelayConfig config() {
        return config;
    }

    /** The service name this relay registers as. */
    public String service() {
        return config.service();
    }

    /** The instance name this relay registers as. */
    public String instance() {
        return config.instance();
    }

    /** Where the connection to ExoCom stands. */
    public ConnectionStatus status() {
        return connection.status();
    }

    /** True while registered with ExoCom. */
    public boolean isOnline() {
        return connection.isRegistered();
    }

    /** False once {@link #close()} began: the relay then takes no more deliveries. */
    public boolean isOpen() {
        ConnectionStatus status = connection.status();
        return status != ConnectionStatus.CLOSING && status != ConnectionStatus.CLOSED;
    }

    // ------------------------------------------------------------------ handlers and listeners

    @Override
    public ExoRelay on(String name, Handler handler) {
        handlers.add(name, Handlers.adapt(handler));
        return this;
    }

    @Override
    public ExoRelay onAsync(String name, AsyncHandler handler) {
        handlers.add(name, handler);
        return this;
    }

    /** Runs {@code listener} every time the relay registered with ExoCom (after start, and after each reconnect). */
    public ExoRelay onOnline(Runnable listener) {
        listeners.addOnline(listener);
        return this;
    }

    /** Runs {@code listener} with the reason every time a registered connection is lost, and at close. */
    public ExoRelay onOffline(Consumer<String> listener) {
        listeners.addOffline(listener);
        return this;
    }

    /**
     * Runs {@code listener} on problems that no caller's stage reports: ExoCom unreachable (once per outage), a
     * refused registration ({@link ExoComRejectedException} with {@code unauthenticated} or {@code unknown-service}),
     * a failed handler, an error frame from ExoCom.
     */
    public ExoRelay onError(Consumer<Throwable> listener) {
        listeners.addError(listener);
        return this;
    }

    // ------------------------------------------------------------------ lifecycle

    /**
     * Connects to ExoCom and registers; register handlers before. Reconnects by itself from then on, until
     * {@link #close()}.
     *
     * @return completes the first time the relay is registered; fails with {@link ExoComRejectedException} when
     * ExoCom refuses the registration (the relay keeps trying, as routes or tokens can change)
     */
    public CompletionStage<Void> start() {
        return connection.start();
    }

    /**
     * Closes gracefully: stops taking deliveries (ExoCom gives new ones to other instances), lets running
     * handlers finish and acks their messages, waits for ExoCom to answer unanswered sends, then closes the
     * connection; all within {@link ExoRelayConfig#closeGracePeriod()}. Requests still waiting for replies then
     * fail with {@link RelayClosedException}. Idempotent.
     */
    @Override
    public void close() {
        dispatcher.stopTaking();
        if (!connection.beginClose()) {
            return;
        }
        long deadline = System.nanoTime() + config.closeGracePeriod().toNanos();
        try {
            if (!dispatcher.awaitIdle(deadline)) {
                LOG.log(System.Logger.Level.WARNING, "{0}: handlers still running after the grace period of {1}; "
                        + "closing anyway, ExoCom will deliver their messages again", who, config.closeGracePeriod());
            }
            if (isOnline()) {
                sends.awaitEmpty(deadline);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        RelayClosedException closed = new RelayClosedException(who + ": the relay was closed");
        boolean wasOnline = connection.finishClose(closed);
        sends.failAll(closed);
        requests.failAll(closed);
        if (wasOnline) {
            listeners.offline("relay closed");
        }
        listeners.shutdown();
        pool.shutdown();
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        LOG.log(System.Logger.Level.INFO, "{0}: closed", who);
    }

    // ------------------------------------------------------------------ sending

    @Override
    public CompletionStage<Accepted> send(String name, Object payload) {
        return submit(Envelopes.command(name, payload, null));
    }

    @Override
    public CompletionStage<Reply> request(String name, Object payload, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return ask(Envelopes.command(name, payload, null), timeout, null).reply();
    }

    @Override
    public CompletionStage<Reply> request(String name, Object payload) {
        return request(name, payload, config.requestTimeout());
    }

    @Override
    public CompletionStage<Reply> stream(String name, Object payload, Duration timeout, Consumer<Reply> onReply) {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(onReply, "onReply");
        return ask(Envelopes.command(name, payload, null), timeout, onReply).reply();
    }

    private CompletionStage<Accepted> submit(FrameWriter.Outgoing message) {
        return forCaller(answer(message));
    }

    /**
     * Sends and returns the stage ExoCom's answer completes, on the event loop: only for the relay's own brief
     * callbacks. Callers get it through {@link #forCaller}.
     */
    private CompletableFuture<Accepted> answer(FrameWriter.Outgoing message) {
        byte[] frame = writer.send(message);
        int limit = connection.maxFrameSize();
        if (frame.length > limit) {
            return CompletableFuture.failedFuture(new ExoComRejectedException(ErrorCode.TOO_LARGE, who + ": \""
                    + message.name() + "\" would be a frame of " + frame.length + " bytes, more than ExoCom's limit of "
                    + limit + ": send large data by reference (a URL or a storage key) instead", message.id()));
        }
        return connection.submit(new PendingSends.Pending(message.id(), message.name(), frame,
                new CompletableFuture<>()));
    }

    /** The caller's view of an answer or reply: its callbacks run on the relay's workers, never on the event loop. */
    private <T> CompletionStage<T> forCaller(CompletableFuture<T> answer) {
        return answer.isDone() ? answer.minimalCompletionStage() : WorkerStage.following(answer, pool);
    }

    private RelayPort.Asked ask(FrameWriter.Outgoing command, Duration timeout, Consumer<Reply> onReply) {
        PendingRequests.Waiter waiter = requests.add(command.id(), command.name(), timeout, onReply, onReply != null);
        CompletableFuture<Accepted> answer = answer(command);
        answer.whenComplete((accepted, error) -> {
            if (error != null) {
                requests.fail(command.id(), error);
            }
        });
        return new RelayPort.Asked(forCaller(answer), forCaller(waiter.result));
    }

    /** The relay as seen by the dispatcher and the handlers' contexts. */
    private final class Port implements RelayPort {
        @Override
        public CompletionStage<Accepted> submit(FrameWriter.Outgoing message) {
            return ExoRelay.this.submit(message);
        }

        @Override
        public Asked ask(FrameWriter.Outgoing command, Duration timeout, Consumer<Reply> onReply) {
            return ExoRelay.this.ask(command, timeout, onReply);
        }

        @Override
        public Duration defaultTimeout() {
            return config.requestTimeout();
        }

        @Override
        public ObjectMapper mapper() {
            return config.mapper();
        }

        @Override
        public void ack(Wire wire, String id) {
            connection.ack(wire, id, writer.ack(id));
        }

        @Override
        public void nack(Wire wire, String id, String reason) {
            connection.write(wire, writer.nack(id, true, reason));
        }

        @Override
        public void reportError(Throwable error) {
            listeners.error(error);
        }
    }

    private static ThreadFactory threads(String prefix, boolean daemon) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(daemon);
            return thread;
        };
    }

    /**
     * Builds an {@link ExoRelay}. {@link #environment(Map)} reads the variables of PROTOCOL.md §6; the other
     * methods set one value each (later calls win).
     */
    public static final class Builder extends ExoRelayConfig.Builder<Builder> {
        private Builder() {
        }

        /**
         * The relay, not yet connected: register handlers, then {@link ExoRelay#start()}.
         *
         * @throws IllegalArgumentException when the configuration is incomplete or wrong, e.g. no service name, or
         *                                  an {@code EXOCOM_TLS_CA} file that holds no certificate
         */
        public ExoRelay build() {
            return new ExoRelay(config());
        }
    }
}
