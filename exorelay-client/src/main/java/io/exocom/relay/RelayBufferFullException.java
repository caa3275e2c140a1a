package io.exocom.relay;

/** ExoCom is unreachable and the bounded buffer of sends waiting for it is full. */
public class RelayBufferFullException extends ExoRelayException {
    public RelayBufferFullException(String message) {
        super(message);
    }
}
