package io.exocom.journal;

import java.nio.file.Path;

/** Run in a child process by {@link DirectoryTest}: opens a journal, says so, and holds it until stdin closes. */
public final class LockHolder {

    public static void main(String[] args) throws Exception {
        try (Journal journal = Journal.open(JournalOptions.builder(Path.of(args[0])).maxSegmentBytes(1 << 20).build())) {
            System.out.println("open " + journal.directory());
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the directory until the parent closes our stdin (or kills us)
            }
        }
    }
}
