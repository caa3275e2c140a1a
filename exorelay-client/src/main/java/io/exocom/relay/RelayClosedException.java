package io.exocom.relay;

/** The relay was closed before the operation could finish, or was used after close. */
public class RelayClosedException extends ExoRelayException {
    public RelayClosedException(String message) {
        super(message);
    }
}
