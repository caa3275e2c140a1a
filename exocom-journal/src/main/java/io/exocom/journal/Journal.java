package io.exocom.journal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;

/**
 * An append-only log of typed, checksummed records in segment files, with group commit.
 *
 * <p>{@link #open} locks the directory and recovers the log; {@link #replay} hands the recovered records over, once,
 * before the first append. {@link #append} never blocks on I/O: the record is queued for the writer thread, which
 * writes everything queued since its last round and syncs once, and the {@link Completion} is then called on the
 * completion thread. The caller gives up the payload array: it must not change it after the call.
 *
 * <p>When the disk fails (full, I/O error) the journal becomes unavailable: appends fail with
 * {@link JournalUnavailableException} until a periodic probe finds the disk working again.
 */
public final class Journal implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Journal.class.getName());

    private final JournalOptions options;
    private final Path directory;
    private final DirectoryLock lock;
    private final SegmentStorage storage;
    private final SegmentCatalog catalog;
    private final RecoveryReport report;
    private final List<Recovery.Segment> recovered;
    private final JournalState state;
    private final WriterMetrics metrics;
    private final Completer completer;
    private final Writer writer;
    private final Thread writerThread;
    private final Thread completerThread;
    private final SegmentPreparer preparer;
    private final Thread preparerThread;
    private volatile boolean appended;
    private volatile boolean replayed;
    private boolean closed;

    private Journal(JournalOptions options, Path directory, DirectoryLock lock, SegmentStorage storage,
                    SegmentCatalog catalog, Recovery.Result recovery, long nextSegmentId) {
        this.options = options;
        this.directory = directory;
        this.lock = lock;
        this.storage = storage;
        this.catalog = catalog;
        this.report = recovery.report();
        this.recovered = recovery.segments();
        this.state = new JournalState();
        this.metrics = new WriterMetrics();
        this.completer = new Completer(options.availabilityListener(), state, options.inlineCompletions());
        this.preparer = options.preallocate() ? new SegmentPreparer(storage, options.maxSegmentBytes()) : null;
        this.writer = new Writer(options, storage, catalog, state, metrics, completer, preparer, recovery.tail(),
                nextSegmentId);
        if (recovery.tail() == null) {
            writer.startFirstSegment();
        }
        ThreadFactory threads = options.threadFactory();
        this.completerThread = threads.newThread(completer);
        this.completerThread.setName("exocom-journal-completion");
        this.writerThread = threads.newThread(writer);
        this.writerThread.setName("exocom-journal-writer");
        if (preparer != null) {
            this.preparerThread = threads.newThread(preparer);
            this.preparerThread.setName("exocom-journal-preparer");
            preparerThread.start();
            preparer.request();
        } else {
            this.preparerThread = null;
        }
        completer.start(completerThread);
        writer.start(writerThread);
    }

    /**
     * Creates the directory when missing, locks it, and recovers the log (see {@link RecoveryReport}). Blocks while
     * it reads the log: call it at startup, not on an event loop.
     *
     * @throws JournalLockedException when another journal owns the directory
     * @throws JournalException       when the path is not a writable directory or the log cannot be read
     */
    public static Journal open(JournalOptions options) {
        Path directory = prepareDirectory(options.directory());
        DirectoryLock lock = DirectoryLock.acquire(directory);
        try {
            SegmentStorage storage = new SegmentStorage(directory, options.channelFactory());
            SegmentCatalog catalog = new SegmentCatalog();
            Recovery.Result recovery;
            try {
                storage.deletePrepared();
                recovery = new Recovery(storage, catalog).run();
            } catch (IOException e) {
                throw new JournalException("cannot read the journal in " + directory + ": " + Writer.describe(e), e);
            }
            RecoveryReport report = recovery.report();
            LOG.log(report.clean() ? Level.INFO : Level.WARNING,
                    "journal in " + directory + " recovered " + report.summary());
            long nextId = recovery.highestId() + 1;
            return new Journal(options, directory, lock, storage, catalog, recovery, nextId);
        } catch (RuntimeException | Error e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Hands every recovered record to {@code visitor} in log order, on the calling thread. Only once, and only before
     * the first append (afterwards the log is no longer what recovery found).
     */
    public void replay(RecordVisitor visitor) {
        if (replayed) {
            throw new IllegalStateException("the journal in " + directory + " was already replayed; replay runs once");
        }
        if (appended) {
            throw new IllegalStateException("the journal in " + directory
                    + " was appended to already; replay must come before the first append");
        }
        replayed = true;
        SegmentScanner scanner = new SegmentScanner();
        for (Recovery.Segment segment : recovered) {
            if (segment.validEnd() <= SegmentHeader.SIZE || catalog.get(segment.id()) == null) {
                continue;
            }
            try (FileChannel channel = storage.openForReading(segment.id())) {
                SegmentScanner.Result scan = scanner.scan(channel, segment.id(), segment.validEnd(), visitor);
                if (scan.problem() != null || scan.validEnd() != segment.validEnd()) {
                    throw new JournalException("segment " + segment.id() + " of the journal in " + directory
                            + " changed on disk after recovery: " + scan.problem());
                }
            } catch (IOException e) {
                throw new JournalException("cannot read segment " + segment.id() + " of the journal in " + directory
                        + ": " + Writer.describe(e), e);
            }
        }
    }

    /**
     * Queues a record; {@code done} is called on the completion thread once it is durable (or failed). Never blocks.
     *
     * @param type a record type, 0 or more (negative types are reserved for the journal)
     * @throws IllegalArgumentException for a bad type, payload or completion; nothing is queued then
     * @throws JournalClosedException   when the journal is closed or closing
     */
    public void append(int type, byte[] payload, Completion done) {
        if (done == null) {
            throw new IllegalArgumentException("the completion is null; give one, or use appendLazy for a record"
                    + " nobody waits for");
        }
        enqueue(new PendingAppend(type, validPayload(type, payload), done));
    }

    /**
     * Queues a record nobody waits for: it is written with the next durable batch, or on its own within the lazy
     * sync interval (synced as well in sync mode ALWAYS). While the journal is unavailable such records are dropped
     * (counted in {@link JournalMetrics#lazyRecordsDropped()}).
     */
    public void appendLazy(int type, byte[] payload) {
        enqueue(new PendingAppend(type, validPayload(type, payload), null));
    }

    private byte[] validPayload(int type, byte[] payload) {
        if (type < 0) {
            throw new IllegalArgumentException("record type " + type + " is negative; accepted are 0 to "
                    + Integer.MAX_VALUE + " (negative types are reserved for the journal)");
        }
        if (payload == null) {
            throw new IllegalArgumentException("the payload is null; give an array (an empty one for no payload)");
        }
        if (payload.length > options.maxRecordBytes()) {
            throw new IllegalArgumentException("a payload of " + payload.length + " bytes is larger than the journal's"
                    + " maxRecordBytes; accepted are at most " + options.maxRecordBytes() + " bytes");
        }
        return payload;
    }

    private void enqueue(PendingAppend append) {
        if (state.closing) {
            throw closedException();
        }
        if (state.brokenBy != null) {
            throw brokenException();
        }
        if (!appended) {
            appended = true;
        }
        writer.enqueue(append);
        // The writer may have ended between the check above and the queueing: then take the append back.
        if (state.terminated && append.cancel()) {
            metrics.queued.decrement();
            throw state.brokenBy != null ? brokenException() : closedException();
        }
    }

    /** The segments, oldest first, with the active one last. */
    public List<SegmentInfo> segments() {
        return catalog.infos();
    }

    /**
     * Removes a segment the writer has left, when nothing live is left in it (the caller knows; the journal does
     * not). Runs on the writer thread between two batches; the future completes on the completion thread, failing
     * with a {@link JournalException} for the active segment or an unknown id.
     */
    public CompletableFuture<Void> deleteSegment(long id) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        if (state.closing || state.terminated) {
            result.completeExceptionally(closedException());
            return result;
        }
        writer.command(() -> writer.deleteSegment(id, result));
        return result;
    }

    /** False while the disk fails; appends fail fast then. */
    public boolean isAvailable() {
        return state.unavailable == null && state.brokenBy == null && !state.closing;
    }

    /** Why the journal cannot write, null while it can. */
    public JournalUnavailableException unavailableCause() {
        if (state.brokenBy != null) {
            return brokenException();
        }
        return state.unavailable;
    }

    public RecoveryReport recoveryReport() {
        return report;
    }

    public JournalMetrics metrics() {
        return metrics.snapshot();
    }

    public Path directory() {
        return directory;
    }

    public JournalOptions options() {
        return options;
    }

    /**
     * Writes and syncs what is queued, completes it, stops the threads and releases the directory. Appends racing
     * with close either complete or fail with {@link JournalClosedException}; none is left without an answer.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        state.closing = true;
        writer.wake();
        long deadline = System.nanoTime() + options.closeTimeout().toNanos();
        if (preparer != null) {
            preparer.stop();
        }
        try {
            join(writerThread, deadline);
            join(completerThread, deadline);
            if (preparerThread != null) {
                join(preparerThread, deadline);
            }
        } finally {
            if (writerThread.isAlive() || completerThread.isAlive()) {
                LOG.log(Level.WARNING, "the journal in " + directory + " did not finish writing within "
                        + options.closeTimeout() + "; closing it anyway");
            }
            lock.close();
        }
    }

    private static void join(Thread thread, long deadline) {
        boolean interrupted = false;
        try {
            while (thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    thread.join(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private JournalClosedException closedException() {
        return new JournalClosedException("the journal in " + directory + " is closed");
    }

    private JournalUnavailableException brokenException() {
        return new JournalUnavailableException("the journal writer in " + directory + " stopped (" + state.brokenBy
                + "): the journal cannot write any more; restart the process", state.brokenBy);
    }

    private static Path prepareDirectory(Path directory) {
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new JournalException("the journal path " + directory + " is not a directory; give the path of a"
                    + " directory, or of one to create");
        }
        try {
            Files.createDirectories(directory);
            return directory.toRealPath();
        } catch (FileAlreadyExistsException e) {
            throw new JournalException("cannot create the journal directory " + directory + ": " + e.getFile()
                    + " is in the way and is not a directory", e);
        } catch (IOException e) {
            throw new JournalException("cannot create the journal directory " + directory + ": " + e, e);
        }
    }
}
