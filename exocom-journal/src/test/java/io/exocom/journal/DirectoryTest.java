package io.exocom.journal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectoryTest {

    @TempDir
    Path dir;

    @Test
    void aPathThatIsAFileIsRefusedWithASentenceNamingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("data"), "not a journal");
        JournalException error = assertThrows(JournalException.class,
                () -> Journal.open(TestJournals.options(file).build()));
        assertEquals("the journal path " + file + " is not a directory; give the path of a directory, or of one to create",
                error.getMessage());
        assertEquals("not a journal", Files.readString(file), "the file is left alone");
    }

    @Test
    void aPathBelowAFileCannotBeCreatedAndSaysWhatIsInTheWay() throws Exception {
        Path file = Files.writeString(dir.resolve("data"), "not a journal");
        Path below = file.resolve("journal");
        JournalException error = assertThrows(JournalException.class,
                () -> Journal.open(TestJournals.options(below).build()));
        assertTrue(error.getMessage().startsWith("cannot create the journal directory " + below + ": "),
                error.getMessage());
        assertTrue(error.getMessage().contains(file.toString()), error.getMessage());
    }

    @Test
    void aSecondOpenerInThisProcessIsRefusedAndTheFirstKeepsItsLock() throws Exception {
        try (Journal first = Journal.open(TestJournals.options(dir).build())) {
            JournalLockedException error = assertThrows(JournalLockedException.class,
                    () -> Journal.open(TestJournals.options(dir).build()));
            assertEquals("journal directory " + dir.toRealPath() + " is already in use by this process (pid "
                    + ProcessHandle.current().pid() + " on host " + host() + "): only one journal may use a directory"
                    + " at a time", error.getMessage());
            TestJournals.appendAll(first, List.of("still writing"));
            // The refused opener must not have dropped the first one's OS lock: another process is still refused.
            Process other = startHolder();
            try {
                assertEquals(1, other.waitFor(60, TimeUnit.SECONDS) ? other.exitValue() : -1,
                        "the other process could not open the directory");
                String stderr = new String(other.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(stderr.contains("JournalLockedException: journal directory " + dir.toRealPath()
                        + " is in use by another process (pid " + ProcessHandle.current().pid()), stderr);
            } finally {
                other.destroyForcibly();
            }
        }
        try (Journal again = Journal.open(TestJournals.options(dir).build())) {
            assertEquals(List.of("still writing"), Replayed.texts(again));
        }
    }

    @Test
    void anotherProcessHoldingTheDirectoryIsNamedByItsPid() throws Exception {
        Process holder = startHolder();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertEquals("open " + dir.toRealPath(), line);
            JournalLockedException error = assertThrows(JournalLockedException.class,
                    () -> Journal.open(TestJournals.options(dir).build()));
            assertEquals("journal directory " + dir.toRealPath() + " is in use by another process (pid " + holder.pid()
                    + " on host " + host() + "): only one journal may use a directory at a time", error.getMessage());
        } finally {
            holder.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
        }
        // killed, it left its lock file behind; the OS released the lock itself
        assertTrue(Files.exists(dir.resolve(DirectoryLock.FILE_NAME)));
        try (Journal journal = Journal.open(TestJournals.options(dir).build())) {
            assertTrue(journal.isAvailable());
        }
    }

    private Process startHolder() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LockHolder.class.getName(), dir.toString()).start();
    }

    private static String host() throws Exception {
        String fromEnvironment = System.getenv("HOSTNAME");
        return fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment
                : java.net.InetAddress.getLocalHost().getHostName();
    }
}
