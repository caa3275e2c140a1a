package io.exocom.relay;

/**
 * ExoCom's answer to a send that it accepted: the message is now ExoCom's to deliver.
 *
 * @param id        the id of the message that was sent
 * @param timestamp when ExoCom accepted it, in unix nanoseconds
 */
public record Accepted(String id, long timestamp) {
}
