package io.exocom.journal;

/** The journal was closed before the append could be written. */
public class JournalClosedException extends JournalException {

    public JournalClosedException(String message) {
        super(message);
    }
}
