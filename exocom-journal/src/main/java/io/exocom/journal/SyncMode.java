package io.exocom.journal;

/** When an append is reported complete. */
public enum SyncMode {
    /** After the record is written and the file is forced to stable storage: survives a crash of the machine. */
    ALWAYS,
    /** After the record is written to the operating system, without forcing it: survives a crash of the process. */
    OS
}
