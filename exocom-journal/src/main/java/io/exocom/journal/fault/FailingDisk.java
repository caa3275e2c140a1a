package io.exocom.journal.fault;

import io.exocom.journal.ChannelFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

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
    private final Map<Path, Long> forces = new HashMap<>();
    /** Open channels by the name their file has now (a prepared file is renamed into a segment). */
    private final Map<Path, List<Channel>> channels = new HashMap<>();
    private long bytesWritten;

    @Override
    public FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException {
        Path name = path.toAbsolutePath().normalize();
        Channel channel = new Channel(FileChannel.open(path, options), name);
        synchronized (lock) {
            channels.computeIfAbsent(name, n -> new ArrayList<>()).add(channel);
        }
        return channel;
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        synchronized (lock) {
            ChannelFactory.super.move(from, to);
            Path target = to.toAbsolutePath().normalize();
            List<Channel> moved = channels.remove(from.toAbsolutePath().normalize());
            if (moved != null) {
                moved.forEach(channel -> channel.name = target);
                channels.computeIfAbsent(target, n -> new ArrayList<>()).addAll(moved);
            }
        }
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
        return forces(path -> true);
    }

    /** Forces that succeeded of the files (or directories) {@code which} accepts, by the name they had then. */
    public long forces(Predicate<Path> which) {
        synchronized (lock) {
            long count = 0;
            for (Map.Entry<Path, Long> entry : forces.entrySet()) {
                if (which.test(entry.getKey())) {
                    count += entry.getValue();
                }
            }
            return count;
        }
    }

    public long bytesWritten() {
        synchronized (lock) {
            return bytesWritten;
        }
    }

    private final class Channel extends DelegatingFileChannel {

        private Path name;

        Channel(FileChannel delegate, Path name) {
            super(delegate);
            this.name = name;
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
        protected void implCloseChannel() throws IOException {
            synchronized (lock) {
                List<Channel> open = channels.get(name);
                if (open != null) {
                    open.remove(this);
                    if (open.isEmpty()) {
                        channels.remove(name);
                    }
                }
            }
            super.implCloseChannel();
        }

        @Override
        public void force(boolean metaData) throws IOException {
            synchronized (lock) {
                if (forcesFail) {
                    throw new IOException("Input/output error");
                }
                delegate.force(metaData);
                forces.merge(name, 1L, Long::sum);
            }
        }
    }
}
