package io.exocom.journal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Zero-fills the next segment file ahead of time on a thread of its own, so that the writer rolls onto a
 * pre-allocated file without writing a segment's worth of zeros between two batches. When none is ready at a roll
 * (the disk is slow, or full) the writer starts a plain segment instead.
 */
final class SegmentPreparer implements Runnable {

    private static final System.Logger LOG = System.getLogger(Journal.class.getName());

    /** A prepared file and where it is. */
    record Prepared(FileChannel channel, Path path) {
    }

    private final SegmentStorage storage;
    private final long bytes;
    private final Object lock = new Object();
    private Prepared ready;
    private boolean wanted;
    private boolean stopping;
    private long counter;

    SegmentPreparer(SegmentStorage storage, long bytes) {
        this.storage = storage;
        this.bytes = bytes;
    }

    /** Prepares a file now, on the calling thread (the first segment, at open). */
    Prepared prepareNow() throws IOException {
        Path path;
        synchronized (lock) {
            path = storage.preparedPath(++counter);
        }
        return new Prepared(storage.prepare(path, bytes), path);
    }

    /** Asks for a file to be prepared in the background, unless one is ready. */
    void request() {
        synchronized (lock) {
            if (ready == null) {
                wanted = true;
                lock.notifyAll();
            }
        }
    }

    /** The prepared file, or null when none is ready. */
    Prepared take() {
        synchronized (lock) {
            Prepared taken = ready;
            ready = null;
            return taken;
        }
    }

    /** Ends the thread; a prepared file nobody took is deleted. */
    void stop() {
        synchronized (lock) {
            stopping = true;
            lock.notifyAll();
        }
    }

    @Override
    public void run() {
        while (true) {
            synchronized (lock) {
                while (!wanted && !stopping) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        stopping = true;
                    }
                }
                if (stopping) {
                    discard(ready);
                    ready = null;
                    return;
                }
                wanted = false;
            }
            try {
                Prepared prepared = prepareNow();
                synchronized (lock) {
                    if (stopping || ready != null) {
                        discard(prepared);
                    } else {
                        ready = prepared;
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.DEBUG, () -> "cannot prepare the next segment in " + storage.directory() + ": "
                        + Writer.describe(e));
            }
        }
    }

    private void discard(Prepared prepared) {
        if (prepared != null) {
            SegmentStorage.closeQuietly(prepared.channel());
            storage.deleteQuietly(prepared.path());
        }
    }
}
