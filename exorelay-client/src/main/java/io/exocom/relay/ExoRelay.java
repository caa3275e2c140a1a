package io.exocom.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocom.protocol.Envelope;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.Frame;
import io.exocom.protocol.FrameCodec;
import io.exocom.protocol.ProtocolException;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
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
 */
public final class ExoRelay implements Messaging, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ExoRelay.class.getName());

    private enum State { NEW, STARTED, CLOSING, CLOSED }

    /** The protocol version this relay speaks (docs/PROTOCOL.md). */
    static final String PROTOCOL_VERSION = "1.1";

    private final ExoRelayConfig config;
    private final FrameCodec codec;
    private final String who;
    private final Handlers handlers = new Handlers();
    private final ExecutorService pool;
    private final ExecutorService events;
    private final ScheduledThreadPoolExecutor timer;
    private final PendingSends sends;
    private final PendingRequests requests;
    private final Dispatcher dispatcher;
    private final Backoff backoff;
    private final HttpClient http;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final List<Runnable> onlineListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> offlineListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Throwable>> errorListeners = new CopyOnWriteArrayList<>();

    private final Object lock = new Object();
    private State state = State.NEW;
    /** The registered connection, null while offline. */
    private Channel current;
    /** A connection being opened or registered. */
    private Channel connecting;
    /** Connection attempts so far, and how many of them registered: the log tells the two apart. */
    private long attempts;
    private long registrations;
    /** What ExoCom said in its latest {@code registered} frame. */
    private volatile String brokerProtocol = "1.0";
    private volatile int maxFrameSize = io.exocom.protocol.Limits.DEFAULT_MAX_FRAME_BYTES;
    private boolean outageReported;
    private ScheduledFuture<?> reconnect;

    private ExoRelay(ExoRelayConfig config) {
        this.config = config;
        this.codec = new FrameCodec(config.mapper());
        this.who = "service \"" + config.service() + "\" instance \"" + config.instance() + "\"";
        String prefix = "exorelay-" + config.service() + "-";
        this.pool = Executors.newCachedThreadPool(threads(prefix + "worker-", true));
        this.events = Executors.newSingleThreadExecutor(threads(prefix + "events-", true));
        // Not a daemon: a started relay keeps the JVM alive, as a server does, until close().
        this.timer = new ScheduledThreadPoolExecutor(1, threads(prefix + "timer-", false));
        this.timer.setRemoveOnCancelPolicy(true);
        this.sends = new PendingSends(pool);
        this.requests = new PendingRequests(timer, pool);
        this.dispatcher = new Dispatcher(handlers, new HandledIds(config.rememberedIds()), pool, new RelayOutbox(), who);
        this.backoff = new Backoff(config.reconnectMinDelay(), config.reconnectMaxDelay());
        this.http = HttpClient.newBuilder().connectTimeout(config.connectTimeout()).build();
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

    /** True while registered with ExoCom. */
    public boolean isOnline() {
        synchronized (lock) {
            return current != null;
        }
    }

    /** False once {@link #close()} began: the relay then takes no more deliveries. */
    public boolean isOpen() {
        synchronized (lock) {
            return state == State.NEW || state == State.STARTED;
        }
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
        onlineListeners.add(Objects.requireNonNull(listener));
        return this;
    }

    /** Runs {@code listener} with the reason every time a registered connection is lost, and at close. */
    public ExoRelay onOffline(Consumer<String> listener) {
        offlineListeners.add(Objects.requireNonNull(listener));
        return this;
    }

    /**
     * Runs {@code listener} on problems that no caller's stage reports: ExoCom unreachable (once per outage), a
     * refused registration ({@link ExoComRejectedException} with {@code unauthenticated} or {@code unknown-service}),
     * a failed handler, an error frame from ExoCom.
     */
    public ExoRelay onError(Consumer<Throwable> listener) {
        errorListeners.add(Objects.requireNonNull(listener));
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
        synchronized (lock) {
            if (state == State.NEW) {
                state = State.STARTED;
                timer.prestartAllCoreThreads(); // keeps the JVM alive while the relay runs
                long beat = config.heartbeatInterval().toMillis();
                timer.scheduleAtFixedRate(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
                LOG.log(System.Logger.Level.INFO, "{0}: connecting to ExoCom at {1}", who, config.uri());
                connect();
            } else if (state != State.STARTED) {
                return CompletableFuture.failedFuture(new RelayClosedException(who + ": the relay is closed"));
            }
        }
        return started.minimalCompletionStage();
    }

    /**
     * Closes gracefully: stops taking deliveries (ExoCom gives new ones to other instances), lets running
     * handlers finish and acks their messages, waits for ExoCom to answer unanswered sends, then closes the
     * connection; all within {@link ExoRelayConfig#closeGracePeriod()}. Requests still waiting for replies then
     * fail with {@link RelayClosedException}. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (state == State.CLOSING || state == State.CLOSED) {
                return;
            }
            boolean wasStarted = state == State.STARTED;
            state = State.CLOSING;
            dispatcher.stopTaking();
            if (!wasStarted) {
                state = State.CLOSED;
            }
            // Tell ExoCom first, so that it sends the commands that keep coming to another instance, or keeps
            // them for the next one, instead of this one bouncing them (PROTOCOL.md §3, closing).
            if (current != null && !brokerProtocol.equals("1.0")) {
                current.send(codec.encode(new Frame.Closing()));
            }
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
        Channel channel;
        Channel opening;
        synchronized (lock) {
            state = State.CLOSED;
            channel = current;
            opening = connecting;
            current = null;
            connecting = null;
            if (reconnect != null) {
                reconnect.cancel(false);
            }
        }
        if (opening != null && opening != channel) {
            opening.abort("relay closed");
        }
        if (channel != null) {
            channel.close(Duration.ofSeconds(2)).join();
        }
        RelayClosedException closed = new RelayClosedException(who + ": the relay was closed");
        sends.failAll(closed);
        requests.failAll(closed);
        started.completeExceptionally(closed);
        if (channel != null) {
            fire(() -> offlineListeners.forEach(listener -> listener.accept("relay closed")));
        }
        timer.shutdownNow();
        events.shutdown();
        pool.shutdown();
        LOG.log(System.Logger.Level.INFO, "{0}: closed", who);
    }

    // ------------------------------------------------------------------ sending

    @Override
    public CompletionStage<Accepted> send(String name, Object payload) {
        return submit(Envelopes.command(name, payload, null, config.mapper()));
    }

    @Override
    public CompletionStage<Reply> request(String name, Object payload, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        return ask(Envelopes.command(name, payload, null, config.mapper()), timeout, null).reply();
    }

    @Override
    public CompletionStage<Reply> request(String name, Object payload) {
        return request(name, payload, config.requestTimeout());
    }

    @Override
    public CompletionStage<Reply> stream(String name, Object payload, Duration timeout, Consumer<Reply> onReply) {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(onReply, "onReply");
        return ask(Envelopes.command(name, payload, null, config.mapper()), timeout, onReply).reply();
    }

    private CompletionStage<Accepted> submit(Envelope envelope) {
        String frame = codec.encode(new Frame.Send(envelope));
        long size = io.exocom.protocol.Limits.utf8Length(frame);
        if (size > maxFrameSize) {
            return CompletableFuture.failedFuture(new ExoComRejectedException(ErrorCode.TOO_LARGE, who + ": \""
                    + envelope.name() + "\" would be a frame of " + size + " bytes, more than ExoCom's limit of "
                    + maxFrameSize + ": send large data by reference (a URL or a storage key) instead", envelope.id()));
        }
        PendingSends.Pending pending = new PendingSends.Pending(envelope, frame, new CompletableFuture<>());
        synchronized (lock) {
            if (state == State.CLOSED) {
                return CompletableFuture.failedFuture(new RelayClosedException(who + ": cannot send \""
                        + envelope.name() + "\", the relay is closed"));
            }
            if (current == null && sends.size() >= config.maxBufferedSends()) {
                return CompletableFuture.failedFuture(new RelayBufferFullException(who + ": cannot send \""
                        + envelope.name() + "\": ExoCom at " + config.uri() + " is unreachable and "
                        + sends.size() + " sends already wait for it (the bound is " + config.maxBufferedSends()
                        + ")"));
            }
            sends.add(pending);
            if (current != null) {
                current.send(pending.frame());
            }
        }
        return pending.result().minimalCompletionStage();
    }

    private Outbox.Asked ask(Envelope command, Duration timeout, Consumer<Reply> onReply) {
        PendingRequests.Waiter waiter = requests.add(command.id(), command.name(), timeout, onReply, onReply != null);
        CompletionStage<Accepted> sent = submit(command);
        sent.whenComplete((accepted, error) -> {
            if (error != null) {
                requests.fail(command.id(), error);
            }
        });
        return new Outbox.Asked(sent, waiter.result.minimalCompletionStage());
    }

    // ------------------------------------------------------------------ connection

    /** Pings the registered connection, or drops it when ExoCom has been silent for two heartbeat intervals. */
    private void heartbeat() {
        Channel channel;
        synchronized (lock) {
            channel = current;
        }
        if (channel != null) {
            channel.heartbeat(config.heartbeatInterval().multipliedBy(2));
        }
    }

    /** Opens a connection and registers on it. Called with the lock held, or from the timer. */
    private void connect() {
        long number;
        String token;
        synchronized (lock) {
            if (state != State.STARTED && state != State.CLOSING) {
                return;
            }
            reconnect = null;
            number = ++attempts;
        }
        try {
            token = config.currentToken();
        } catch (ExoRelayException e) {
            reportOutage(e);
            scheduleReconnect();
            return;
        }
        // From protocol 1.1 on, the names a relay declares are exactly its handlers: ExoCom gives it nothing else.
        Frame.Register register = new Frame.Register(config.service(), config.instance(), token, config.prefetch(),
                handlers.names(), PROTOCOL_VERSION);
        Channel.open(http, config.uri(), config.connectTimeout(), new Receiver(), number)
                .whenComplete((channel, error) -> {
                    if (error != null) {
                        reportOutage(new ExoRelayException(who + ": cannot reach ExoCom at " + config.uri() + ": "
                                + (error.getCause() != null ? error.getCause() : error), error));
                        scheduleReconnect();
                        return;
                    }
                    synchronized (lock) {
                        if (state == State.CLOSED) {
                            channel.abort("relay closed");
                            return;
                        }
                        connecting = channel;
                    }
                    channel.send(codec.encode(register));
                    // A connection that does not register in time is dropped and tried again.
                    timer.schedule(() -> {
                        synchronized (lock) {
                            if (current == channel || !channel.isOpen()) {
                                return;
                            }
                        }
                        String reason = "ExoCom at " + config.uri() + " did not answer the registration within "
                                + config.connectTimeout().toMillis() + " ms";
                        reportOutage(new ExoRelayException(who + ": " + reason));
                        channel.abort(reason);
                    }, config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
                });
    }

    private void scheduleReconnect() {
        synchronized (lock) {
            if ((state != State.STARTED && state != State.CLOSING) || reconnect != null) {
                return;
            }
            long delay = backoff.nextDelayMillis();
            LOG.log(System.Logger.Level.DEBUG, "{0}: reconnecting in {1} ms", who, delay);
            try {
                reconnect = timer.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closed meanwhile
            }
        }
    }

    private void reportOutage(Throwable error) {
        boolean first;
        synchronized (lock) {
            first = !outageReported;
            outageReported = true;
        }
        if (first) {
            LOG.log(System.Logger.Level.WARNING, error.getMessage() + " (retrying with back-off)");
            fireError(error);
        } else {
            LOG.log(System.Logger.Level.DEBUG, error.getMessage());
        }
    }

    private void onRegistered(Channel channel, Frame.Registered registered) {
        synchronized (lock) {
            if (state == State.CLOSED || !channel.isOpen()) {
                return;
            }
            current = channel;
            if (connecting == channel) {
                connecting = null;
            }
            outageReported = false;
            backoff.reset();
            registrations++;
            brokerProtocol = registered.protocol();
            if (registered.maxFrameSize() > 0) {
                maxFrameSize = registered.maxFrameSize();
            }
            // Everything ExoCom has not answered yet goes again, in order, with the same ids.
            for (PendingSends.Pending pending : sends.snapshot()) {
                channel.send(pending.frame());
            }
        }
        LOG.log(System.Logger.Level.INFO, "{0}: online (connection {1}, attempt {2}, protocol {3}); may send {4}, "
                + "receives {5}", who, registrations, channel.number(), registered.protocol(), registered.sends(),
                registered.receives());
        started.complete(null);
        fire(() -> onlineListeners.forEach(Runnable::run));
    }

    private void onDeliver(Channel channel, Frame.Deliver deliver) {
        Message message = new Message(deliver.message(), deliver.attempt(), config.mapper());
        if (message.id() == null) {
            fireError(new ExoRelayException(who + ": ExoCom delivered a message without id: " + message));
            return;
        }
        if (message.isReply()) {
            if (dispatcher.wasHandled(message)) {
                dispatcher.ack(channel, message.id());
                return;
            }
            if (requests.offer(new Reply(message)) || !dispatcher.hasHandler(message.name())) {
                // A reply nobody waits for any more (its request timed out) and no handler wants is dropped.
                dispatcher.remember(message);
                dispatcher.ack(channel, message.id());
                return;
            }
        }
        dispatcher.deliver(channel, message);
    }

    private void onClosed(Channel channel, String reason, int closeCode) {
        boolean wasOnline;
        boolean again;
        synchronized (lock) {
            wasOnline = current == channel;
            if (wasOnline) {
                current = null;
            }
            if (connecting == channel) {
                connecting = null;
            }
            again = (wasOnline || current == null) && (state == State.STARTED || state == State.CLOSING);
        }
        if (wasOnline) {
            LOG.log(System.Logger.Level.WARNING, "{0}: offline: {1}", who, reason);
            fire(() -> offlineListeners.forEach(listener -> listener.accept(reason)));
        }
        if (again) {
            if (closeCode == 1001) {
                backoff.reset(); // the broker is going away on purpose: its successor is worth trying at once
            }
            scheduleReconnect();
        }
    }

    /** Receives the frames of every connection of this relay. */
    private final class Receiver implements Channel.Receiver {
        @Override
        public void onFrame(Channel channel, String text) {
            Frame frame;
            try {
                frame = codec.decodeBrokerFrame(text);
            } catch (ProtocolException e) {
                fireError(new ExoRelayException(who + ": ExoCom sent a frame this relay cannot read ("
                        + e.getMessage() + "): " + abbreviate(text)));
                return;
            }
            if (frame instanceof Frame.Registered registered) {
                onRegistered(channel, registered);
            } else if (frame instanceof Frame.Accepted accepted) {
                sends.accepted(accepted);
            } else if (frame instanceof Frame.Rejected rejected) {
                if (!sends.rejected(rejected)) {
                    fireError(new ExoComRejectedException(rejected.code(), rejected.message(), rejected.id()));
                }
            } else if (frame instanceof Frame.Deliver deliver) {
                onDeliver(channel, deliver);
            } else if (frame instanceof Frame.Error error) {
                boolean registeredHere;
                synchronized (lock) {
                    registeredHere = current == channel;
                }
                ExoComRejectedException problem = new ExoComRejectedException(error.code(),
                        error.message() == null ? "ExoCom reported " + error.code() : error.message(), null);
                if (!registeredHere && (error.code() == ErrorCode.UNAUTHENTICATED
                        || error.code() == ErrorCode.UNKNOWN_SERVICE)) {
                    LOG.log(System.Logger.Level.ERROR, "{0}: ExoCom refused the registration: {1}", who,
                            problem.getMessage());
                    started.completeExceptionally(problem);
                } else {
                    LOG.log(System.Logger.Level.WARNING, "{0}: ExoCom reported {1}: {2}", who, error.code(),
                            problem.getMessage());
                }
                fireError(problem);
            }
        }

        @Override
        public void onClosed(Channel channel, String reason, int closeCode, Throwable error) {
            ExoRelay.this.onClosed(channel, reason, closeCode);
        }
    }

    /** The relay as seen by the dispatcher and the handlers' contexts. */
    private final class RelayOutbox implements Outbox {
        @Override
        public CompletionStage<Accepted> submit(Envelope envelope) {
            return ExoRelay.this.submit(envelope);
        }

        @Override
        public Asked ask(Envelope command, Duration timeout, Consumer<Reply> onReply) {
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
        public void acknowledge(Channel channel, Frame frame) {
            if (channel.isOpen()) {
                channel.send(codec.encode(frame));
            }
        }

        @Override
        public void reportError(Throwable error) {
            fireError(error);
        }
    }

    // ------------------------------------------------------------------ helpers

    private void fireError(Throwable error) {
        fire(() -> errorListeners.forEach(listener -> listener.accept(error)));
    }

    private void fire(Runnable notification) {
        try {
            events.execute(() -> {
                try {
                    notification.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, who + ": a listener failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
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
    public static final class Builder {
        private String service;
        private String instance;
        private String host = "localhost";
        private int port = io.exocom.protocol.Limits.DEFAULT_PORT;
        private boolean secure;
        private String token;
        private Path tokenFile;
        private Integer prefetch;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private int maxBufferedSends = 10_000;
        private Duration reconnectMinDelay = Duration.ofMillis(100);
        private Duration reconnectMaxDelay = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private Duration closeGracePeriod = Duration.ofSeconds(30);
        private int rememberedIds = 10_000;
        private ObjectMapper mapper;

        private Builder() {
        }

        /**
         * Reads {@code SERVICE_NAME}, {@code EXOCOM_HOST}, {@code EXOCOM_PORT}, {@code EXOCOM_INSTANCE},
         * {@code EXOCOM_TOKEN} and {@code EXOCOM_TOKEN_FILE} from {@code env} (usually {@code System.getenv()});
         * absent variables leave the current values.
         */
        public Builder environment(Map<String, String> env) {
            return ExoRelayConfig.readEnvironment(env, this);
        }

        /** The service's registered name ({@code SERVICE_NAME}); required. */
        public Builder service(String service) {
            this.service = service;
            return this;
        }

        /** This running copy's name ({@code EXOCOM_INSTANCE}); default: the host name. */
        public Builder instance(String instance) {
            this.instance = instance;
            return this;
        }

        /** ExoCom's host ({@code EXOCOM_HOST}); default {@code localhost}. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** ExoCom's port ({@code EXOCOM_PORT}); default 3100. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Connect with {@code wss://}. */
        public Builder secure(boolean secure) {
            this.secure = secure;
            return this;
        }

        /** The token proving the service's identity ({@code EXOCOM_TOKEN}). */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** A file holding the token ({@code EXOCOM_TOKEN_FILE}), read at every connect. */
        public Builder tokenFile(Path tokenFile) {
            this.tokenFile = tokenFile;
            return this;
        }

        /** The most unacknowledged deliveries this instance takes at once; default: ExoCom's (64). */
        public Builder prefetch(int prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        /** Timeout of {@link ExoRelay#request(String, Object)}; default 30 s. */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
            return this;
        }

        /** How many unanswered sends may wait while ExoCom is unreachable; default 10,000. */
        public Builder maxBufferedSends(int maxBufferedSends) {
            this.maxBufferedSends = maxBufferedSends;
            return this;
        }

        /** Back-off between reconnection attempts: from {@code min}, doubling, up to {@code max}, with jitter. */
        public Builder reconnectDelay(Duration min, Duration max) {
            this.reconnectMinDelay = min;
            this.reconnectMaxDelay = max;
            return this;
        }

        /** How long one connection attempt, registration included, may take; default 5 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        /**
         * How often the relay pings ExoCom; default 10 s. A connection that stays silent for two intervals (no frame,
         * no pong) is dropped and replaced, so that a broker or network that vanished without closing the TCP
         * connection is noticed.
         */
        public Builder heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
            return this;
        }

        /** How long {@link ExoRelay#close()} waits for running handlers and unanswered sends; default 30 s. */
        public Builder closeGracePeriod(Duration closeGracePeriod) {
            this.closeGracePeriod = closeGracePeriod;
            return this;
        }

        /** How many handled message ids are remembered to recognise redeliveries; default 10,000. */
        public Builder rememberedIds(int rememberedIds) {
            this.rememberedIds = rememberedIds;
            return this;
        }

        /** The Jackson mapper that reads and writes payloads; default a plain {@code new ObjectMapper()}. */
        public Builder objectMapper(ObjectMapper mapper) {
            this.mapper = mapper;
            return this;
        }

        /** The configuration so far; fails with a sentence naming the problem, e.g. a missing service name. */
        public ExoRelayConfig config() {
            return new ExoRelayConfig(service, instance, host, port, secure, token, tokenFile, prefetch,
                    requestTimeout, maxBufferedSends, reconnectMinDelay, reconnectMaxDelay, connectTimeout,
                    heartbeatInterval, closeGracePeriod, rememberedIds, mapper);
        }

        /**
         * The relay, not yet connected: register handlers, then {@link ExoRelay#start()}.
         *
         * @throws IllegalArgumentException when the configuration is incomplete or wrong, e.g. no service name
         */
        public ExoRelay build() {
            return new ExoRelay(config());
        }
    }
}
