package io.exocom.relay;

/** Base class of the failures an ExoRelay reports. */
public class ExoRelayException extends RuntimeException {
    public ExoRelayException(String message) {
        super(message);
    }

    public ExoRelayException(String message, Throwable cause) {
        super(message, cause);
    }
}
