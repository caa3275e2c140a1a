package io.exocom.journal.fault;

import io.exocom.journal.ChannelFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * A disk that fills up or fails on demand, for tests: writes fail with "No space left on device" once a byte budget
 * is used up (the write that crosses it is cut short, as a real one is), forces fail with "Input/output error" when
 * told, and {@link #heal()} makes it work again. Counts forces, so tests can tell whether the journal synced.
 */
public final class FailingDisk implements ChannelFactory {

    private final Object lock = new Object();
    private long writeBudget = Long.MAX_VALUE;
    private boolean forcesFail;
    private RuntimeException writeException;
    private Error writeError;
    private long forces;
    private long bytesWritten;

    @Override
    public FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
        return new Channel(FileChannel.open(path, options));
    }

    /** Writes fail once {@code bytes} more have been written; 0 fails the next write. */
    public void failWritesAfter(long bytes) {
        synchronized (lock) {
            writeBudget = bytes;
        }
    }

    /** Every force fails with an I/O error until {@link #heal()}. */
    public void failForces() {
        synchronized (lock) {
            forcesFail = true;
        }
    }

    /** Every write throws {@code unexpected} (an unchecked exception no file system throws) until healed. */
    public void failWritesWith(RuntimeException unexpected) {
        synchronized (lock) {
            writeException = unexpected;
        }
    }

    /** Every write throws {@code error} (e.g. an OutOfMemoryError) until healed. */
    public void failWritesWith(Error error) {
        synchronized (lock) {
            writeError = error;
        }
    }

    /** The disk has room and works again. */
    public void heal() {
        synchronized (lock) {
            writeBudget = Long.MAX_VALUE;
            forcesFail = false;
            writeException = null;
            writeError = null;
        }
    }

    /** Forces that succeeded, of files and directories. */
    public long forces() {
        synchronized (lock) {
            return forces;
        }
    }

    public long bytesWritten() {
        synchronized (lock) {
            return bytesWritten;
        }
    }

    private final class Channel extends DelegatingFileChannel {

        Channel(FileChannel delegate) {
            super(delegate);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            synchronized (lock) {
                if (writeError != null) {
                    throw writeError;
                }
                if (writeException != null) {
                    throw writeException;
                }
                if (writeBudget <= 0) {
                    throw new IOException("No space left on device");
                }
                int limit = src.limit();
                if (src.remaining() > writeBudget) {
                    src.limit(src.position() + (int) writeBudget);
                }
                try {
                    int written = delegate.write(src, position);
                    writeBudget -= written;
                    bytesWritten += written;
                    return written;
                } finally {
                    src.limit(limit);
                }
            }
        }

        @Override
        public void force(boolean metaData) throws IOException {
            synchronized (lock) {
                if (forcesFail) {
                    throw new IOException("Input/output error");
                }
                delegate.force(metaData);
                forces++;
            }
        }
    }
}
