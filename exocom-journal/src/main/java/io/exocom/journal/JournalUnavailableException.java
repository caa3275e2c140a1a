package io.exocom.journal;

/**
 * The journal cannot currently make records durable (a full disk, an I/O error). Appends fail with it until the
 * journal's probe finds the disk working again; nothing that failed with it was reported durable.
 */
public class JournalUnavailableException extends JournalException {

    public JournalUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
