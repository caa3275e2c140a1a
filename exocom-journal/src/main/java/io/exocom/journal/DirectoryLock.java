package io.exocom.journal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One journal per directory: an OS file lock on {@code journal.lock}, which also names its owner (pid and host) so
 * that a refused opener can say who holds it. The OS releases the lock when the owning process dies, so a stale file
 * after a kill -9 does not block the next start.
 */
final class DirectoryLock implements AutoCloseable {

    static final String FILE_NAME = "journal.lock";

    /**
     * Directories locked by this process. Checked before the lock file is touched: POSIX drops all of a process's
     * locks on a file when any of its descriptors for that file is closed, so a second opener in the same process
     * must not even open the file.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path directory, FileChannel channel, FileLock lock) {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    /** {@code directory} is a real (canonical) path, so that two spellings of one directory are one key. */
    static DirectoryLock acquire(Path directory) {
        String owner = "pid " + ProcessHandle.current().pid() + " on host " + hostName();
        if (!HELD_HERE.add(directory)) {
            throw new JournalLockedException("journal directory " + directory + " is already in use by this process ("
                    + owner + "): only one journal may use a directory at a time");
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(directory.resolve(FILE_NAME),
                    StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String other = readOwner(channel);
                throw new JournalLockedException("journal directory " + directory + " is in use by another process ("
                        + (other.isEmpty() ? "it did not record its pid" : other)
                        + "): only one journal may use a directory at a time");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((owner + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new DirectoryLock(directory, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            HELD_HERE.remove(directory);
            throw new JournalException("cannot write in journal directory " + directory + " (" + e
                    + "): the journal needs a directory it can create files in", e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            HELD_HERE.remove(directory);
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel below releases it as well.
        }
        closeQuietly(channel);
        HELD_HERE.remove(directory);
    }

    private static String readOwner(FileChannel channel) throws IOException {
        ByteBuffer content = ByteBuffer.allocate(256);
        while (content.hasRemaining() && channel.read(content, content.position()) > 0) {
            // read until the end or 256 bytes
        }
        return new String(content.array(), 0, content.position(), StandardCharsets.UTF_8).trim();
    }

    private static String hostName() {
        String fromEnvironment = System.getenv("HOSTNAME");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to do with it
            }
        }
    }
}
