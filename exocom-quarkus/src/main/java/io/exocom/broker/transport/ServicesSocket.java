package io.exocom.broker.transport;

import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import io.vertx.core.buffer.Buffer;
import org.jboss.logging.Logger;

/**
 * The {@code /services} WebSocket endpoint (PROTOCOL.md §1, §3). Runs on the event loop: nothing it calls blocks.
 * Each connection gets a {@link RelaySession} that holds its state; this class only routes callbacks to it.
 */
@WebSocket(path = "/services")
public class ServicesSocket {
    private static final Logger LOG = Logger.getLogger(ServicesSocket.class);
    private static final UserData.TypedKey<RelaySession> SESSION = new UserData.TypedKey<>("exocom.session");

    private final RelaySessions sessions;

    ServicesSocket(RelaySessions sessions) {
        this.sessions = sessions;
    }

    @OnOpen
    @NonBlocking
    void open(WebSocketConnection connection) {
        connection.userData().put(SESSION, sessions.open(connection));
    }

    @OnTextMessage
    @NonBlocking
    void text(WebSocketConnection connection, String frame) {
        session(connection).onText(frame);
    }

    @OnBinaryMessage
    @NonBlocking
    void binary(WebSocketConnection connection, Buffer frame) {
        session(connection).onBinary();
    }

    @OnClose
    @NonBlocking
    void close(WebSocketConnection connection) {
        RelaySession session = connection.userData().get(SESSION);
        if (session != null) {
            session.onClose();
        }
    }

    @OnError
    @NonBlocking
    void error(WebSocketConnection connection, Throwable failure) {
        LOG.warnf("connection %s failed: %s", connection.id(), failure.toString());
    }

    private RelaySession session(WebSocketConnection connection) {
        RelaySession session = connection.userData().get(SESSION);
        if (session == null) { // a frame raced @OnOpen; cannot happen with Vert.x ordering, but never NPE
            session = sessions.open(connection);
            connection.userData().put(SESSION, session);
        }
        return session;
    }
}
