package io.exocom.journal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The one thread that writes. Each round it takes everything queued since the last round (up to
 * {@code maxBatchBytes}, and never past the end of the active segment), writes it with one positional write, forces
 * the file once (sync mode ALWAYS) and hands the batch to the completion thread. Appends that arrive meanwhile wait
 * in the queue for the next round: that is the group commit.
 *
 * <p>Lazy records ride with the next batch that has a durable record; when none comes, they are written (and synced)
 * on their own within the lazy sync interval.
 *
 * <p>On an I/O error the batch fails, the journal becomes unavailable and every later append fails until a probe
 * succeeds: the probe cuts the segment back to the end of the last completed batch (the failed bytes may or may not
 * be on disk, and after a failed fsync the kernel's cached pages of that file say nothing about the disk), closes
 * it, and starts a fresh segment, proving the disk with a batch-sized write and sync first.
 */
final class Writer implements Runnable {

    private static final System.Logger LOG = System.getLogger(Journal.class.getName());

    private final SegmentStorage storage;
    private final SegmentCatalog catalog;
    private final JournalState state;
    private final WriterMetrics metrics;
    private final Completer completer;
    /** Null when segments are not pre-allocated. */
    private final SegmentPreparer preparer;
    private final SyncMode syncMode;
    private final long maxSegmentBytes;
    private final int maxBatchBytes;
    /** How long lazy records are held for a durable batch to ride with; half the interval (see idle). */
    private final long lazyHoldNanos;
    private final long probeNanos;

    private final ConcurrentLinkedQueue<PendingAppend> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final WakeSignal signal = new WakeSignal();
    private final RecordFormat format = new RecordFormat();

    private ActiveSegment active;
    private long nextSegmentId;
    private ByteBuffer buffer;
    /** Taken from the queue but left for the next round (it did not fit into this one). */
    private PendingAppend carried;
    /** Lazy records waiting for a durable batch or their deadline. */
    private List<PendingAppend> held = new ArrayList<>();
    private long heldBytes;
    private long heldSince;
    private boolean holding;
    private long nextProbeAt;
    private long unavailableSince;

    Writer(JournalOptions options, SegmentStorage storage, SegmentCatalog catalog, JournalState state,
           WriterMetrics metrics, Completer completer, SegmentPreparer preparer, ActiveSegment active,
           long nextSegmentId) {
        this.storage = storage;
        this.catalog = catalog;
        this.state = state;
        this.metrics = metrics;
        this.completer = completer;
        this.preparer = preparer;
        this.syncMode = options.syncMode();
        this.maxSegmentBytes = options.maxSegmentBytes();
        this.maxBatchBytes = options.maxBatchBytes();
        this.lazyHoldNanos = Math.max(1, options.lazySyncInterval().toNanos() / 2);
        this.probeNanos = options.probeInterval().toNanos();
        this.active = active;
        this.nextSegmentId = nextSegmentId;
        this.buffer = ByteBuffer.allocateDirect(maxBatchBytes);
    }

    /**
     * At open, on the opening thread, when recovery left no segment to go on in: starts one. When even that fails,
     * the journal opens unavailable and the probe takes over.
     */
    void startFirstSegment() {
        try {
            long id = nextSegmentId++;
            active = preparer != null ? install(preparer.prepareNow(), id) : create(id);
        } catch (IOException | RuntimeException e) {
            JournalUnavailableException error = new JournalUnavailableException("the journal in "
                    + storage.directory() + " cannot start a segment (" + describe(e)
                    + "): appends fail until the disk works again", e);
            LOG.log(Level.WARNING, error.getMessage());
            state.unavailable = error;
            unavailableSince = System.nanoTime();
            nextProbeAt = unavailableSince + probeNanos;
        }
    }

    void start(Thread thread) {
        signal.consumer(thread);
        thread.start();
    }

    void enqueue(PendingAppend append) {
        metrics.queued.increment();
        queue.add(append);
        if (!append.lazy()) {
            signal.wake();
        }
    }

    /** Runs {@code command} on the writer thread between two batches. */
    void command(Runnable command) {
        commands.add(command);
        signal.wake();
    }

    void wake() {
        signal.wake();
    }

    @Override
    public void run() {
        try {
            loop();
        } finally {
            finish();
        }
    }

    private void loop() {
        while (true) {
            runCommands();
            if (state.brokenBy != null) {
                return;  // the completion thread died: nothing written could be answered
            }
            if (state.unavailable != null) {
                failQueued(state.unavailable);
                if (state.closing) {
                    return;
                }
                long now = System.nanoTime();
                if (now - nextProbeAt >= 0) {
                    repair();
                } else {
                    idle(nextProbeAt - now);
                }
                continue;
            }
            List<PendingAppend> batch = collectBatch();
            if (batch == null) {
                continue;
            }
            if (batch.isEmpty()) {
                if (state.closing && held.isEmpty() && carried == null && queue.isEmpty() && commands.isEmpty()) {
                    return;
                }
                idle(held.isEmpty() ? lazyHoldNanos : heldSince + lazyHoldNanos - System.nanoTime());
                continue;
            }
            write(batch);
        }
    }

    /**
     * The next batch to write; empty when there is nothing to write yet (lazy records stay held), null when rolling
     * to a new segment failed.
     */
    private List<PendingAppend> collectBatch() {
        List<PendingAppend> batch = held;
        long bytes = heldBytes;
        held = new ArrayList<>();
        heldBytes = 0;
        boolean durable = false;
        boolean full = false;
        while (true) {
            PendingAppend next = carried;
            carried = null;
            if (next == null) {
                next = queue.poll();
                if (next == null) {
                    break;
                }
                if (!next.claim()) {
                    continue;
                }
                metrics.queued.decrement();
            }
            int size = next.size();
            if (size > maxSegmentBytes - active.written - bytes) {
                if (!batch.isEmpty()) {
                    carried = next;
                    full = true;
                    break;
                }
                if (!roll(next)) {
                    return null;
                }
            }
            if (!batch.isEmpty() && bytes + size > maxBatchBytes) {
                carried = next;
                full = true;
                break;
            }
            batch.add(next);
            bytes += size;
            durable |= !next.lazy();
        }
        if (!batch.isEmpty() && !durable && !full && !state.closing) {
            long now = System.nanoTime();
            if (!holding) {
                holding = true;
                heldSince = now;
            }
            if (now - heldSince < lazyHoldNanos) {
                held = batch;
                heldBytes = bytes;
                return List.of();
            }
        }
        holding = false;
        return batch;
    }

    private void write(List<PendingAppend> batch) {
        ActiveSegment segment = active;
        long start = segment.written;
        try {
            ByteBuffer out = bufferFor(batch);
            long offset = start;
            for (PendingAppend append : batch) {
                append.position = Positions.of(segment.id, offset);
                format.encode(out, append.type, append.payload);
                offset += append.size();
            }
            out.flip();
            while (out.hasRemaining()) {
                segment.channel.write(out, start + out.position());
            }
            segment.written = offset;
            metrics.batchWritten(batch.size(), offset - start);
            if (syncMode == SyncMode.ALWAYS) {
                sync(segment.channel);
            }
            segment.completed = offset;
            SegmentCatalog.Entry entry = segment.entry;
            if (entry.firstPosition < 0) {
                entry.firstPosition = batch.get(0).position;
            }
            entry.lastPosition = batch.get(batch.size() - 1).position;
            entry.records += batch.size();
            entry.size = offset;
        } catch (Throwable t) {
            fail(t, batch);
            return;
        }
        // outside the try: the batch is durable, so a callback's failure must not fail it a second time
        completer.completed(batch);
    }

    /** Moves to a new segment; on failure {@code next} fails with the journal becoming unavailable. */
    private boolean roll(PendingAppend next) {
        try {
            ActiveSegment old = active;
            if (old.channel.size() > old.written) {
                old.channel.truncate(old.written);  // the pre-allocated zeros the last records did not fill
            }
            sync(old.channel);
            retire(old);
            long id = nextSegmentId++;
            SegmentPreparer.Prepared prepared = preparer != null ? preparer.take() : null;
            active = prepared != null ? install(prepared, id) : create(id);
            if (preparer != null) {
                preparer.request();
            }
            LOG.log(Level.DEBUG, () -> "journal in " + storage.directory() + " rolled from segment " + old.id
                    + " to segment " + id + (prepared != null ? "" : " (not pre-allocated: none was ready)"));
            return true;
        } catch (Throwable t) {
            fail(t, List.of(next));
            return false;
        }
    }

    private ActiveSegment install(SegmentPreparer.Prepared prepared, long id) throws IOException {
        try {
            storage.install(prepared.channel(), prepared.path(), id);
        } catch (IOException | RuntimeException e) {
            SegmentStorage.closeQuietly(prepared.channel());
            storage.deleteQuietly(prepared.path());
            throw e;
        }
        return activate(id, prepared.channel());
    }

    private ActiveSegment create(long id) throws IOException {
        return activate(id, storage.create(id));
    }

    private ActiveSegment activate(long id, FileChannel channel) {
        SegmentCatalog.Entry entry = new SegmentCatalog.Entry(id, storage.path(id), SegmentHeader.SIZE, 0, -1, -1, false);
        entry.active = true;
        catalog.add(entry);
        return new ActiveSegment(id, channel, entry, SegmentHeader.SIZE);
    }

    private void retire(ActiveSegment segment) {
        active = null;
        segment.entry.size = segment.completed;
        segment.entry.active = false;
        SegmentStorage.closeQuietly(segment.channel);
    }

    private void sync(FileChannel channel) throws IOException {
        long begin = System.nanoTime();
        channel.force(false);
        metrics.synced(System.nanoTime() - begin);
    }

    /** A failed write, sync or roll: the batch fails and the journal becomes unavailable until a probe succeeds. */
    private void fail(Throwable cause, List<PendingAppend> batch) {
        metrics.failedBatches++;
        long now = System.nanoTime();
        JournalUnavailableException error;
        if (cause instanceof Error) {
            state.brokenBy = cause;
            error = new JournalUnavailableException("the journal writer in " + storage.directory() + " stopped ("
                    + cause + "): the journal cannot write any more; restart the process", cause);
            LOG.log(Level.ERROR, error.getMessage(), cause);
        } else {
            error = new JournalUnavailableException("the journal in " + storage.directory() + " cannot write ("
                    + describe(cause) + "): appends fail until the disk works again", cause);
            if (cause instanceof RuntimeException) {
                LOG.log(Level.ERROR, "unexpected failure in the journal writer", cause);
            }
        }
        if (state.unavailable == null) {
            state.unavailable = error;
            unavailableSince = now;
            if (!(cause instanceof Error)) {
                LOG.log(Level.WARNING, error.getMessage());
            }
            completer.availabilityChanged(false, error);
        }
        failAll(batch, error);
        nextProbeAt = now + probeNanos;
        if (cause instanceof Error) {
            throw (Error) cause;
        }
    }

    /** Cuts off what failed, starts a fresh segment and proves the disk; on success the journal is available. */
    private void repair() {
        long id = -1;
        FileChannel fresh = null;
        try {
            if (active != null) {
                cutBack(active);
            }
            id = nextSegmentId++;
            ActiveSegment segment = create(id);
            fresh = segment.channel;
            proveSpace(segment.channel);
            active = segment;
            long downMillis = (System.nanoTime() - unavailableSince) / 1_000_000;
            state.unavailable = null;
            LOG.log(Level.INFO, "the journal in " + storage.directory() + " writes again after " + downMillis
                    + " ms, in segment " + id);
            completer.availabilityChanged(true, null);
        } catch (Throwable t) {
            if (fresh != null) {
                SegmentStorage.closeQuietly(fresh);
                catalog.remove(id);
                storage.deleteQuietly(storage.path(id));
            }
            nextProbeAt = System.nanoTime() + probeNanos;
            LOG.log(Level.DEBUG, () -> "the journal in " + storage.directory() + " still cannot write: " + describe(t));
            if (t instanceof Error) {
                state.brokenBy = t;
                throw (Error) t;
            }
        }
    }

    /**
     * Cuts the segment back to the end of its last completed batch, through a new channel (the old one may have been
     * closed by the failure), and leaves it for good.
     */
    private void cutBack(ActiveSegment segment) throws IOException {
        SegmentStorage.closeQuietly(segment.channel);
        try (FileChannel channel = storage.openForWriting(segment.id)) {
            if (channel.size() > segment.completed) {
                channel.truncate(segment.completed);
            }
            channel.force(true);
        }
        retire(segment);
    }

    /** Writes and syncs a batch's worth of zeros and takes them back: the next batch has room and a working disk. */
    private void proveSpace(FileChannel channel) throws IOException {
        ByteBuffer zeros = buffer;
        zeros.clear();
        zeros.limit(Math.min(zeros.capacity(), maxBatchBytes));
        while (zeros.hasRemaining()) {
            zeros.put((byte) 0);
        }
        zeros.flip();
        while (zeros.hasRemaining()) {
            channel.write(zeros, SegmentHeader.SIZE + zeros.position());
        }
        channel.force(false);
        channel.truncate(SegmentHeader.SIZE);
        channel.force(true);
    }

    void deleteSegment(long id, CompletableFuture<Void> result) {
        if (active != null && active.id == id) {
            completer.complete(result, null, new JournalException("segment " + id + " of the journal in "
                    + storage.directory() + " is the one being written; only segments the writer has left can be deleted"));
            return;
        }
        if (catalog.get(id) == null) {
            completer.complete(result, null, new JournalException("the journal in " + storage.directory()
                    + " has no segment " + id + "; its segments are " + catalog.ids()));
            return;
        }
        try {
            storage.delete(id);
            catalog.remove(id);
            completer.complete(result, null, null);
        } catch (IOException | RuntimeException e) {
            completer.complete(result, null, new JournalException("cannot delete segment " + id + " of the journal in "
                    + storage.directory() + ": " + describe(e), e));
        }
    }

    private void runCommands() {
        Runnable command;
        while ((command = commands.poll()) != null) {
            command.run();
        }
    }

    private void idle(long nanos) {
        signal.prepareToSleep();
        if (!commands.isEmpty() || state.closing || hasDurableWork()) {
            signal.cancelSleep();
            return;
        }
        signal.sleep(nanos);
    }

    /**
     * Whether a round now would write something: a durable append queued (lazy ones do not wake the writer; they
     * wait for their deadline), or the unavailable journal has appends to fail.
     */
    private boolean hasDurableWork() {
        if (carried != null) {
            return true;
        }
        PendingAppend head = queue.peek();
        if (head == null) {
            return false;
        }
        if (state.unavailable != null || !head.lazy()) {
            return true;
        }
        for (PendingAppend append : queue) {
            if (!append.lazy()) {
                return true;
            }
        }
        return false;
    }

    private void failQueued(JournalException error) {
        List<PendingAppend> failed = held;
        held = new ArrayList<>();
        heldBytes = 0;
        holding = false;
        if (carried != null) {
            failed.add(carried);
            carried = null;
        }
        PendingAppend next;
        while ((next = queue.poll()) != null) {
            if (next.claim()) {
                metrics.queued.decrement();
                failed.add(next);
            }
        }
        if (!failed.isEmpty()) {
            failAll(failed, error);
        }
    }

    private void failAll(List<PendingAppend> batch, JournalException error) {
        long lazy = 0;
        for (PendingAppend append : batch) {
            if (append.lazy()) {
                lazy++;
            }
        }
        metrics.lazyRecordsDropped += lazy;
        completer.failed(batch, error);
    }

    /** The writer ends: a clean close syncs and closes the active segment; whatever is still queued fails. */
    private void finish() {
        state.terminated = true;
        try {
            if (active != null) {
                if (state.unavailable == null && state.brokenBy == null) {
                    try {
                        sync(active.channel);
                    } catch (IOException | RuntimeException e) {
                        LOG.log(Level.WARNING, "the journal in " + storage.directory()
                                + " could not sync its last segment on close: " + describe(e));
                    }
                }
                SegmentStorage.closeQuietly(active.channel);
            }
            JournalException error = state.brokenBy != null
                    ? new JournalUnavailableException("the journal writer in " + storage.directory() + " stopped ("
                    + state.brokenBy + ")", state.brokenBy)
                    : new JournalClosedException("the journal in " + storage.directory() + " was closed before this append was written");
            failQueued(error);
        } finally {
            completer.stop();
        }
    }

    private ByteBuffer bufferFor(List<PendingAppend> batch) {
        long bytes = 0;
        for (PendingAppend append : batch) {
            bytes += append.size();
        }
        if (bytes > buffer.capacity()) {
            buffer = ByteBuffer.allocateDirect((int) bytes);
        }
        buffer.clear();
        return buffer;
    }

    static String describe(Throwable t) {
        String message = t.getMessage();
        return message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
    }
}
