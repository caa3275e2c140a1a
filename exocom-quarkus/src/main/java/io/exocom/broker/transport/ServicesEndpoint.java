package io.exocom.broker.transport;

import io.exocom.broker.BrokerRuntime;
import io.exocom.broker.config.ExocomConfig;
import io.exocom.protocol.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code /services} WebSocket endpoint (PROTOCOL.md §1, §3), directly on Vert.x's {@link ServerWebSocket}.
 * <p>
 * Why not Quarkus WebSockets Next: the broker handles every frame itself on the event loop, so it needs none of
 * that extension's argument decoding, context propagation or per-write {@code Uni}; it needs control over
 * flushing, which {@link ConnectionOutbound} uses to write many frames with one system call; and it reads frames
 * as bytes, so that their size and UTF-8 are checked before anything is decoded ({@link InboundAssembler}).
 * <p>
 * What it guards (PROTOCOL.md §1): browsers (an {@code Origin} not allowed), connection limits in total and per
 * remote address, a registration deadline, pongs (a connection silent for two ping intervals is closed), and slow
 * consumers. A plain GET of {@code /services} (no upgrade) falls through to the HTTP view of the same name.
 */
@Singleton
public class ServicesEndpoint {
    static final String PATH = "/services";
    static final int CLOSE_GOING_AWAY = 1001;
    private static final Logger LOG = Logger.getLogger(ServicesEndpoint.class);

    private final RelaySessions sessions;
    private final ExocomConfig config;
    private final Duration pingInterval;
    private final Set<String> allowedOrigins;
    private final ConnectionLimits limits;
    private final Map<ConnectionOutbound, Connection> open = new ConcurrentHashMap<>();
    private final AtomicLong connectionIds = new AtomicLong();
    private final AtomicLong refusedWarnedNanos = new AtomicLong(System.nanoTime() - TimeUnit.MINUTES.toNanos(2));
    private final AtomicLong refusedSinceWarning = new AtomicLong();
    private final Counter slowConsumers;
    private final Map<String, Counter> refusals = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private Vertx vertx;
    private long pingTimer = -1;

    /** One open connection: its session and when something last arrived on it. */
    private static final class Connection {
        final RelaySession session;
        final String address;
        volatile long lastHeardNanos = System.nanoTime();

        Connection(RelaySession session, String address) {
            this.session = session;
            this.address = address;
        }
    }

    ServicesEndpoint(RelaySessions sessions, ExocomConfig config, MeterRegistry registry) {
        this.sessions = sessions;
        this.config = config;
        this.registry = registry;
        this.pingInterval = config.pingInterval();
        this.allowedOrigins = Set.copyOf(config.allowedOrigins().orElse(java.util.List.of()));
        this.limits = new ConnectionLimits(config.maxConnections(), config.maxConnectionsPerAddress());
        this.slowConsumers = Counter.builder("exocom.slow.consumers")
                .description("Connections closed because more than EXOCOM_MAX_PENDING_BYTES waited to be written to them")
                .register(registry);
        Gauge.builder("exocom.connections", limits, ConnectionLimits::open)
                .description("Open relay connections").register(registry);
    }

    void route(@Observes Router router, Vertx vertx) {
        this.vertx = vertx;
        sessions.runtime().openPlainPort(vertx, router);
        router.route(HttpMethod.GET, PATH).order(-1000).handler(this::upgradeOrPass);
        pingTimer = vertx.setPeriodic(pingInterval.toMillis(), ignored -> pingOrCloseSilent());
    }

    /** Stops the pings; called when the broker stops. */
    public void stopPinging() {
        if (vertx != null && pingTimer >= 0) {
            vertx.cancelTimer(pingTimer);
            pingTimer = -1;
        }
    }

    /**
     * Closes every connection with 1001 after what was queued for it (PROTOCOL.md §5.6), and waits until they are
     * closed or the time is up.
     */
    public void closeAll(long timeoutMillis) throws InterruptedException {
        open.keySet().forEach(outbound -> outbound.close(CLOSE_GOING_AWAY, "ExoCom is shutting down"));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private void pingOrCloseSilent() {
        long silenceLimit = pingInterval.toNanos() * 2;
        long now = System.nanoTime();
        open.forEach((outbound, connection) -> {
            // a connection backed up for a whole interval without draining is a slow consumer (checked first: a
            // peer that stopped reading also stops answering pings, and this is the better name for it)
            if (outbound.closeIfStalled(now, pingInterval.toNanos())) {
                return;
            }
            long silent = now - connection.lastHeardNanos;
            if (silent > silenceLimit) {
                LOG.infof("connection %s from %s sent nothing, not even a pong, for %d ms: closing it",
                        outbound.connectionId(), connection.address, TimeUnit.NANOSECONDS.toMillis(silent));
                outbound.close(RelaySession.CLOSE_TIMEOUT, "no pong for two ping intervals");
            } else {
                outbound.ping();
            }
        });
    }

    private void upgradeOrPass(RoutingContext context) {
        HttpServerRequest request = context.request();
        String upgrade = request.getHeader(HttpHeaders.UPGRADE);
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            context.next();
            return;
        }
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin != null && !allowedOrigins.contains(origin) && !allowedOrigins.contains("*")) {
            refuse(request, 403, ErrorCode.FORBIDDEN.wire(), "browser-origin", "WebSocket connections from web pages "
                    + "(Origin " + io.exocom.broker.wire.LogText.quote(origin) + ") are refused, so that a page a "
                    + "developer visits cannot talk to ExoCom: relays send no Origin; to allow this one, add it to "
                    + "EXOCOM_ALLOWED_ORIGINS");
            return;
        }
        String address = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
        String refusedBecause = limits.tryOpen(address);
        if (refusedBecause != null) {
            refuse(request, 503, "too-many-connections", "too-many-connections", refusedBecause
                    + ": close connections you do not need, or raise the limit");
            return;
        }
        // Vert.x Web wraps the socket; the channel is the HTTP connection's, which the upgrade keeps.
        ChannelHandlerContext channel = ((ConnectionBase) request.connection()).channelHandlerContext();
        request.toWebSocket().onComplete(result -> {
            if (result.succeeded()) {
                accept(result.result(), channel, address);
            } else {
                limits.closed(address);
                LOG.debugf("WebSocket upgrade from %s failed: %s", address, result.cause().toString());
            }
        });
    }

    private void refuse(HttpServerRequest request, int status, String code, String reason, String message) {
        refusals.computeIfAbsent(reason, r -> Counter.builder("exocom.connections.refused")
                .description("WebSocket upgrades refused, by reason").tag("reason", r).register(registry)).increment();
        warnRefusedAtMostEveryMinute(message);
        request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(new JsonObject().put("code", code).put("message", message).encode());
    }

    private void warnRefusedAtMostEveryMinute(String message) {
        long now = System.nanoTime();
        long last = refusedWarnedNanos.get();
        long since = refusedSinceWarning.incrementAndGet();
        if (now - last > TimeUnit.MINUTES.toNanos(1) && refusedWarnedNanos.compareAndSet(last, now)) {
            refusedSinceWarning.set(0);
            LOG.warnf("refused a WebSocket connection: %s (%d refused since the last such line)", message, since);
        }
    }

    private void accept(ServerWebSocket socket, ChannelHandlerContext channel, String address) {
        String connectionId = "c" + connectionIds.incrementAndGet();
        ConnectionOutbound outbound = new ConnectionOutbound(socket, channel, connectionId, config.maxPendingBytes().asLongValue(),
                this::slowConsumer);
        RelaySession session = sessions.open(connectionId, address, outbound);
        Connection connection = new Connection(session, address);
        open.put(outbound, connection);
        InboundAssembler assembler = new InboundAssembler(config.maxFrameSize(), session);
        socket.frameHandler(frame -> {
            connection.lastHeardNanos = System.nanoTime();
            assembler.frame(frame);
        });
        socket.exceptionHandler(failure -> onTransportFailure(outbound, channel, address, failure));
        socket.closeHandler(ignored -> {
            if (open.remove(outbound) != null) {
                limits.closed(address);
            }
            session.onClose();
        });
        long timeout = config.registrationTimeout().toMillis();
        vertx.setTimer(timeout, ignored -> {
            if (open.containsKey(outbound)) {
                session.registrationTimedOut(timeout);
            }
        });
    }

    /**
     * Netty refuses a single WebSocket frame above its limit before the broker sees any of it; say so with the close
     * code for it, 1009, instead of letting the connection drop without a word.
     */
    private void onTransportFailure(ConnectionOutbound outbound, ChannelHandlerContext channel, String address,
                                    Throwable failure) {
        if (failure instanceof io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException corrupt) {
            LOG.warnf("connection %s from %s: %s", outbound.connectionId(), address, failure.getMessage());
            int code = corrupt.closeStatus().code();
            String reason = code == 1009 ? "frame above " + BrokerRuntime.transportFrameLimit(config)
                    + " bytes: too-large" : "protocol violation";
            // written at once, on this event loop: Vert.x drops the connection as soon as this handler returns
            channel.writeAndFlush(new io.netty.handler.codec.http.websocketx.CloseWebSocketFrame(code, reason));
            return;
        }
        LOG.debugf("connection %s failed: %s", outbound.connectionId(), failure.toString());
    }

    private void slowConsumer(ConnectionOutbound outbound, long pendingBytes) {
        slowConsumers.increment();
        Connection connection = open.get(outbound);
        LOG.warnf("connection %s%s is a slow consumer: %d bytes wait to be written to it and it does not read them "
                        + "(EXOCOM_MAX_PENDING_BYTES is %d); closing it, what it held unacknowledged is delivered again",
                outbound.connectionId(), connection == null ? "" : " from " + connection.address, pendingBytes,
                config.maxPendingBytes().asLongValue());
    }
}
