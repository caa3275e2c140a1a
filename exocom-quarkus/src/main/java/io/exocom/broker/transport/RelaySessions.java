package io.exocom.broker.transport;

import io.exocom.broker.BrokerRuntime;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.inject.Singleton;

/** Creates the session of each relay connection with what it needs from the runtime. */
@Singleton
public class RelaySessions {
    private final BrokerRuntime runtime;

    RelaySessions(BrokerRuntime runtime) {
        this.runtime = runtime;
    }

    RelaySession open(WebSocketConnection connection) {
        return new RelaySession(runtime, connection.id(), new ConnectionOutbound(connection));
    }
}
