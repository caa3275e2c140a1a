package io.exocom.relay;

/** Where a relay's connection to ExoCom stands; see {@link ExoRelay#status()}. */
public enum ConnectionStatus {
    /** Built, not started yet. */
    NEW,
    /** Started: connecting and registering for the first time. */
    CONNECTING,
    /** Registered with ExoCom: sends go out, deliveries come in. */
    REGISTERED,
    /** The connection was lost: connecting again with back-off; sends wait, up to the bound. */
    RECONNECTING,
    /** close() is running: no new deliveries are taken; running handlers and unanswered sends finish. */
    CLOSING,
    /** Closed for good. */
    CLOSED
}
