package io.exocom.journal;

/**
 * Told when the journal stops being able to write and when it can again. Called on the completion thread, in order
 * with the completions: the failures of the batch that made the journal unavailable come after this call.
 */
@FunctionalInterface
public interface AvailabilityListener {

    /** {@code cause} is null when {@code available}. */
    void availabilityChanged(boolean available, JournalUnavailableException cause);
}
