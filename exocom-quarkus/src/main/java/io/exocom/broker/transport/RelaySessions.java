package io.exocom.broker.transport;

import io.exocom.broker.BrokerRuntime;
import io.exocom.broker.core.Outbound;
import jakarta.inject.Singleton;

/** Creates the session of each relay connection with what it needs from the runtime. */
@Singleton
public class RelaySessions {
    private final BrokerRuntime runtime;

    RelaySessions(BrokerRuntime runtime) {
        this.runtime = runtime;
    }

    RelaySession open(String connectionId, String remoteAddress, Outbound outbound) {
        return new RelaySession(runtime, connectionId, remoteAddress, outbound);
    }

    BrokerRuntime runtime() {
        return runtime;
    }
}
