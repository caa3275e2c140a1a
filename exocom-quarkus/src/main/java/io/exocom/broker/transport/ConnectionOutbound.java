package io.exocom.broker.transport;

import io.exocom.broker.core.Outbound;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import org.jboss.logging.Logger;

/** Writes frames to one WebSocket connection without waiting for them to go out. */
final class ConnectionOutbound implements Outbound {
    private static final Logger LOG = Logger.getLogger(ConnectionOutbound.class);

    private final WebSocketConnection connection;

    ConnectionOutbound(WebSocketConnection connection) {
        this.connection = connection;
    }

    @Override
    public void send(String frame) {
        connection.sendText(frame).subscribe().with(
                ignored -> {
                },
                failure -> LOG.debugf("frame to connection %s not written: %s", connection.id(), failure.getMessage()));
    }

    @Override
    public void close(int code, String reason) {
        connection.close(new CloseReason(code, reason)).subscribe().with(ignored -> {
        }, failure -> LOG.debugf("close of connection %s failed: %s", connection.id(), failure.getMessage()));
    }
}
