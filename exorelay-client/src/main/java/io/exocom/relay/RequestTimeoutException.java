package io.exocom.relay;

import java.time.Duration;

/** No reply to a request came within its timeout. */
public class RequestTimeoutException extends ExoRelayException {
    private final String commandName;
    private final String commandId;
    private final Duration timeout;

    public RequestTimeoutException(String commandName, String commandId, Duration timeout) {
        super("no reply to \"" + commandName + "\" (id " + commandId + ") within " + timeout.toMillis()
                + " ms: is a service that receives it running, and does it reply?");
        this.commandName = commandName;
        this.commandId = commandId;
        this.timeout = timeout;
    }

    public String commandName() {
        return commandName;
    }

    public String commandId() {
        return commandId;
    }

    public Duration timeout() {
        return timeout;
    }
}
