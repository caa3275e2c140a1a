package io.exocom.journal;

/**
 * Told once per {@link Journal#append durable append} how it ended. Called on the journal's completion thread (or,
 * with {@link JournalOptions#inlineCompletions()}, for a small batch on the writer thread), never on the appending
 * thread; the appends of one thread are completed in their order. Keep it short: hand the result to the thread that
 * needs it (e.g. an event loop's {@code execute}).
 */
public interface Completion {

    /** The record is durable (sync mode ALWAYS) or handed to the operating system (sync mode OS). */
    void completed(long position);

    /** The record is not durable and will not become durable; see the exception's type for why. */
    void failed(JournalException error);
}
