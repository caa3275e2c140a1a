package io.exocom.relay;

/**
 * Everything a service does with ExoCom: register handlers and send. {@link ExoRelay} implements it against a
 * real broker; {@code io.exocom.relay.testing.MockExoRelay} (in the test-jar) implements it without one, so that
 * a service written against this interface can be tested in isolation.
 */
public interface Messaging extends Sender {

    /**
     * Registers the handler for messages named {@code name}; one handler per name. Register handlers before
     * {@code start()}: the names are announced to ExoCom when the relay registers.
     *
     * @return this, to chain registrations
     */
    Messaging on(String name, Handler handler);

    /** Registers an asynchronous handler; see {@link #on(String, Handler)}. */
    Messaging onAsync(String name, AsyncHandler handler);
}
