package io.exocom.journal;

/** Another journal (in another process or in this one) already owns the directory. */
public class JournalLockedException extends JournalException {

    public JournalLockedException(String message) {
        super(message);
    }
}
