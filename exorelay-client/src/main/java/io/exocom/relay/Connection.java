package io.exocom.relay;

import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.Frame;
import io.netty.channel.EventLoopGroup;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The relay's connection to ExoCom across all its physical connections ({@link Wire}s): owns the status (see
 * {@link ConnectionStatus}), opens and registers, replaces a lost or silent wire with back-off, and keeps the
 * unanswered sends in order across wires: whatever ExoCom did not answer goes again, with the same ids, on the
 * next wire right after it registered, before any new send.
 */
final class Connection {
    private static final System.Logger LOG = System.getLogger(ExoRelay.class.getName());

    /** The protocol version this relay speaks (docs/PROTOCOL.md). */
    static final String PROTOCOL_VERSION = "1.3";

    private final ExoRelayConfig config;
    private final String who;
    private final EventLoopGroup loop;
    private final Wire.Endpoint endpoint;
    private final TokenSource tokens;
    private final FrameWriter writer;
    private final Handlers handlers;
    private final PendingSends sends;
    private final Listeners listeners;
    private final Backoff backoff;
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private Wire.Listener inbox;

    private final Object lock = new Object();
    private ConnectionStatus status = ConnectionStatus.NEW;
    /** The registered wire, null while offline. */
    private Wire current;
    /** A wire being opened or registered. */
    private Wire connecting;
    /** Connection attempts so far, and how many of them registered: the log tells the two apart. */
    private long attempts;
    private long registrations;
    private boolean outageReported;
    private ScheduledFuture<?> reconnect;
    private ScheduledFuture<?> heartbeat;
    /** What ExoCom said in its latest {@code registered} frame. */
    private volatile String brokerProtocol = "1.0";
    private volatile int maxFrameSize = io.exocom.protocol.Limits.DEFAULT_MAX_FRAME_BYTES;

    Connection(ExoRelayConfig config, String who, EventLoopGroup loop, Tls tls, FrameWriter writer, Handlers handlers,
               PendingSends sends, Listeners listeners) {
        this.config = config;
        this.who = who;
        this.loop = loop;
        this.endpoint = new Wire.Endpoint(config.uri(), tls, ExoRelayConfig.MAX_INBOUND_FRAME_BYTES,
                config.connectTimeout());
        this.tokens = new TokenSource(config.token(), config.tokenFile());
        this.writer = writer;
        this.handlers = handlers;
        this.sends = sends;
        this.listeners = listeners;
        this.backoff = new Backoff(config.reconnectMinDelay(), config.reconnectMaxDelay());
    }

    /** Where the frames of every wire go; set once, before {@link #start()}. */
    void receiveWith(Wire.Listener inbox) {
        this.inbox = inbox;
    }

    ConnectionStatus status() {
        synchronized (lock) {
            return status;
        }
    }

    boolean isRegistered() {
        synchronized (lock) {
            return current != null;
        }
    }

    /** ExoCom's frame size limit, from its latest {@code registered} frame. */
    int maxFrameSize() {
        return maxFrameSize;
    }

    /** Starts connecting; completes the first time the relay registered (see {@link ExoRelay#start()}). */
    CompletionStage<Void> start() {
        synchronized (lock) {
            if (status == ConnectionStatus.NEW) {
                status = ConnectionStatus.CONNECTING;
                long beat = config.heartbeatInterval().toMillis();
                heartbeat = loop.scheduleAtFixedRate(this::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
                LOG.log(System.Logger.Level.INFO, "{0}: connecting to ExoCom at {1}", who, config.uri());
                connect();
            } else if (status == ConnectionStatus.CLOSING || status == ConnectionStatus.CLOSED) {
                return CompletableFuture.failedFuture(new RelayClosedException(who + ": the relay is closed"));
            }
        }
        return started.minimalCompletionStage();
    }

    // ------------------------------------------------------------------ sending

    /**
     * Sends on the registered wire, or keeps the send for the next one; refuses when closed, or when offline and
     * the buffer is at its bound.
     */
    CompletableFuture<Accepted> submit(PendingSends.Pending pending) {
        synchronized (lock) {
            if (status == ConnectionStatus.CLOSED) {
                return CompletableFuture.failedFuture(new RelayClosedException(who + ": cannot send \""
                        + pending.name() + "\", the relay is closed"));
            }
            if (current == null && sends.size() >= config.maxBufferedSends()) {
                return CompletableFuture.failedFuture(new RelayBufferFullException(who + ": cannot send \""
                        + pending.name() + "\": ExoCom at " + config.uri() + " is unreachable and "
                        + sends.size() + " sends already wait for it (the bound is " + config.maxBufferedSends()
                        + ")"));
            }
            sends.add(pending);
            if (current != null) {
                current.send(pending.frame());
            }
        }
        return pending.result();
    }

    /** Acks on {@code wire} if it is still open, batched where ExoCom reads batched acks. */
    void ack(Wire wire, String id, byte[] single) {
        if (wire.isOpen()) {
            wire.ack(id, single);
        }
    }

    /** Whether a {@code MAJOR.MINOR} version is at least {@code major.minor}; false for anything else. */
    static boolean atLeast(String version, int major, int minor) {
        int dot = version == null ? -1 : version.indexOf('.');
        try {
            int m = Integer.parseInt(version.substring(0, dot));
            int n = Integer.parseInt(version.substring(dot + 1));
            return m > major || (m == major && n >= minor);
        } catch (RuntimeException notAVersion) {
            return false;
        }
    }

    /** Writes a frame on {@code wire} if it is still open; acks and nacks belong to the wire a delivery came on. */
    void write(Wire wire, byte[] frame) {
        if (wire.isOpen()) {
            wire.send(frame);
        }
    }

    // ------------------------------------------------------------------ closing

    /**
     * The first step of close(): from now on the status is closing; tells ExoCom (1.1) to deliver no more.
     *
     * @return false when the relay was closing or closed already
     */
    boolean beginClose() {
        synchronized (lock) {
            if (status == ConnectionStatus.CLOSING || status == ConnectionStatus.CLOSED) {
                return false;
            }
            boolean wasStarted = status != ConnectionStatus.NEW;
            status = wasStarted ? ConnectionStatus.CLOSING : ConnectionStatus.CLOSED;
            // Tell ExoCom first, so that it sends the commands that keep coming to another instance, or keeps
            // them for the next one, instead of this one bouncing them (PROTOCOL.md §3, closing).
            if (current != null && !brokerProtocol.equals("1.0")) {
                current.send(writer.closing());
            }
            return true;
        }
    }

    /** The last step of close(): closes the wires; true when a registered one was closed. */
    boolean finishClose(RuntimeException closed) {
        Wire wire;
        Wire opening;
        synchronized (lock) {
            status = ConnectionStatus.CLOSED;
            wire = current;
            opening = connecting;
            current = null;
            connecting = null;
            if (reconnect != null) {
                reconnect.cancel(false);
            }
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
        }
        if (opening != null && opening != wire) {
            opening.abort("relay closed");
        }
        if (wire != null) {
            wire.close(Duration.ofSeconds(2)).join();
        }
        started.completeExceptionally(closed);
        return wire != null;
    }

    // ------------------------------------------------------------------ connecting

    /** Pings the registered wire, or drops it when ExoCom has been silent for two heartbeat intervals. */
    private void heartbeat() {
        Wire wire;
        synchronized (lock) {
            wire = current;
        }
        if (wire != null) {
            wire.heartbeat(config.heartbeatInterval().multipliedBy(2));
        }
    }

    /** Opens a wire and registers on it. Called with the lock held, or from the event loop. */
    private void connect() {
        long number;
        synchronized (lock) {
            if (status == ConnectionStatus.NEW || status == ConnectionStatus.CLOSED) {
                return;
            }
            reconnect = null;
            number = ++attempts;
        }
        String token;
        try {
            token = tokens.current();
        } catch (ExoRelayException e) {
            reportOutage(e);
            scheduleReconnect();
            return;
        }
        // From protocol 1.1 on, the names a relay declares are exactly its handlers: ExoCom gives it nothing else.
        byte[] register = writer.register(new Frame.Register(config.service(), config.instance(), token,
                config.prefetch(), handlers.names(), PROTOCOL_VERSION));
        Wire.open(loop, endpoint, inbox, number).whenComplete((wire, error) -> {
            if (error != null) {
                String why = endpoint.tls() != null ? endpoint.tls().explain(error) : describe(error);
                reportOutage(new ExoRelayException(who + ": cannot reach ExoCom at " + config.uri() + ": " + why,
                        error));
                scheduleReconnect();
                return;
            }
            synchronized (lock) {
                if (status == ConnectionStatus.CLOSED) {
                    wire.abort("relay closed");
                    return;
                }
                connecting = wire;
            }
            wire.send(register);
            // A wire that does not register in time is dropped and another one tried.
            try {
                loop.schedule(() -> registrationDeadline(wire), config.connectTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // closed meanwhile
            }
        });
    }

    /** A connection error in words: "Connection refused: host/addr:port" rather than Netty's class names. */
    private static String describe(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (cause instanceof java.net.ConnectException || cause instanceof java.net.UnknownHostException) {
            return cause.getMessage();
        }
        return String.valueOf(cause);
    }

    private void registrationDeadline(Wire wire) {
        synchronized (lock) {
            if (current == wire || !wire.isOpen()) {
                return;
            }
        }
        String reason = "ExoCom at " + config.uri() + " did not answer the registration within "
                + config.connectTimeout().toMillis() + " ms";
        reportOutage(new ExoRelayException(who + ": " + reason));
        wire.abort(reason);
    }

    private void scheduleReconnect() {
        synchronized (lock) {
            if (status == ConnectionStatus.NEW || status == ConnectionStatus.CLOSED || reconnect != null) {
                return;
            }
            long delay = backoff.nextDelayMillis();
            LOG.log(System.Logger.Level.DEBUG, "{0}: reconnecting in {1} ms", who, delay);
            try {
                reconnect = loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
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
            listeners.error(error);
        } else {
            LOG.log(System.Logger.Level.DEBUG, error.getMessage());
        }
    }

    // ------------------------------------------------------------------ what the inbox reports

    void onRegistered(Wire wire, Frame.Registered registered) {
        long connection;
        synchronized (lock) {
            if (status == ConnectionStatus.CLOSED || !wire.isOpen()) {
                return;
            }
            current = wire;
            if (connecting == wire) {
                connecting = null;
            }
            if (status != ConnectionStatus.CLOSING) {
                status = ConnectionStatus.REGISTERED;
            }
            outageReported = false;
            backoff.reset();
            connection = ++registrations;
            brokerProtocol = registered.protocol();
            wire.batchAcks(atLeast(brokerProtocol, 1, 2));
            if (registered.maxFrameSize() > 0) {
                maxFrameSize = registered.maxFrameSize();
            }
            // Everything ExoCom has not answered yet goes again, in order, with the same ids.
            for (PendingSends.Pending pending : sends.snapshot()) {
                wire.send(pending.frame());
            }
        }
        // "connection" counts registrations only; "attempt" counts every try, failed ones included.
        LOG.log(System.Logger.Level.INFO, "{0}: online (connection {1}, attempt {2}, protocol {3}); may send {4}, "
                + "receives {5}", who, connection, wire.number(), registered.protocol(), registered.sends(),
                registered.receives());
        started.complete(null);
        listeners.online();
    }

    void onBrokerError(Wire wire, Frame.Error error) {
        boolean registeredHere;
        synchronized (lock) {
            registeredHere = current == wire;
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
        listeners.error(problem);
    }

    void onClosed(Wire wire, String reason, int closeCode) {
        boolean wasOnline;
        boolean again;
        synchronized (lock) {
            wasOnline = current == wire;
            if (wasOnline) {
                current = null;
                if (status == ConnectionStatus.REGISTERED) {
                    status = ConnectionStatus.RECONNECTING;
                }
            }
            if (connecting == wire) {
                connecting = null;
            }
            again = (wasOnline || current == null)
                    && (status != ConnectionStatus.NEW && status != ConnectionStatus.CLOSED);
        }
        if (wasOnline) {
            LOG.log(System.Logger.Level.WARNING, "{0}: offline: {1}", who, reason);
            listeners.offline(reason);
        }
        if (again) {
            if (closeCode == 1001) {
                backoff.reset(); // the broker is going away on purpose: its successor is worth trying at once
            }
            scheduleReconnect();
        }
    }
}
