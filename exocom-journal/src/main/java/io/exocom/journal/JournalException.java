package io.exocom.journal;

/** Something the journal cannot do; the message says what and where, in one sentence. */
public class JournalException extends RuntimeException {

    public JournalException(String message) {
        super(message);
    }

    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
