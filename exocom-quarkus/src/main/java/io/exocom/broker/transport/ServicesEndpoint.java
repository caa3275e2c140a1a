package io.exocom.broker.transport;

import io.exocom.broker.config.ExocomConfig;
import io.netty.channel.ChannelHandlerContext;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code /services} WebSocket endpoint (PROTOCOL.md §1, §3), directly on Vert.x's {@link ServerWebSocket}.
 * <p>
 * Why not Quarkus WebSockets Next: the broker handles every frame itself on the event loop, so it needs none of
 * that extension's argument decoding, context propagation or per-write {@code Uni}; and it needs control over
 * flushing, which {@link ConnectionOutbound} uses to write many frames with one system call. Measured with
 * exocom-bench: see the README's Performance section.
 * <p>
 * A plain GET of {@code /services} (no upgrade) falls through to the HTTP view of the same name.
 */
@Singleton
public class ServicesEndpoint {
    static final String PATH = "/services";
    private static final Logger LOG = Logger.getLogger(ServicesEndpoint.class);

    private final RelaySessions sessions;
    private final Duration pingInterval;
    private final Set<ConnectionOutbound> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();
    private Vertx vertx;
    private long pingTimer = -1;

    ServicesEndpoint(RelaySessions sessions, ExocomConfig config) {
        this.sessions = sessions;
        this.pingInterval = config.pingInterval();
    }

    void route(@Observes Router router, Vertx vertx) {
        this.vertx = vertx;
        router.route(HttpMethod.GET, PATH).order(-1000).handler(this::upgradeOrPass);
        pingTimer = vertx.setPeriodic(pingInterval.toMillis(), ignored -> open.forEach(ConnectionOutbound::ping));
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (vertx != null && pingTimer >= 0) {
            vertx.cancelTimer(pingTimer);
        }
    }

    private void upgradeOrPass(RoutingContext context) {
        String upgrade = context.request().getHeader(HttpHeaders.UPGRADE);
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            context.next();
            return;
        }
        // Vert.x Web wraps the socket; the channel is the HTTP connection's, which the upgrade keeps.
        ChannelHandlerContext channel = ((ConnectionBase) context.request().connection()).channelHandlerContext();
        context.request().toWebSocket().onComplete(result -> {
            if (result.succeeded()) {
                accept(result.result(), channel);
            } else {
                LOG.debugf("WebSocket upgrade from %s failed: %s", context.request().remoteAddress(),
                        result.cause().toString());
            }
        });
    }

    private void accept(ServerWebSocket socket, ChannelHandlerContext channel) {
        String connectionId = "c" + connectionIds.incrementAndGet();
        ConnectionOutbound outbound = new ConnectionOutbound(socket, channel, connectionId);
        RelaySession session = sessions.open(connectionId, outbound);
        open.add(outbound);
        socket.textMessageHandler(session::onText);
        socket.binaryMessageHandler(ignored -> session.onBinary());
        socket.exceptionHandler(failure -> LOG.debugf("connection %s failed: %s", connectionId, failure.toString()));
        socket.closeHandler(ignored -> {
            open.remove(outbound);
            session.onClose();
        });
    }
}
