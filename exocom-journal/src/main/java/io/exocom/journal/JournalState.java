package io.exocom.journal;

/** Whether the journal can write, is closing, or lost its writer; shared by the appenders and the writer. */
final class JournalState {

    /** Null while the journal can write. */
    volatile JournalUnavailableException unavailable;
    volatile boolean closing;
    /** The writer thread has ended: nothing queued from now on will be written. */
    volatile boolean terminated;
    /** An Error ended a journal thread; the journal stays unusable. */
    volatile Throwable brokenBy;
}
