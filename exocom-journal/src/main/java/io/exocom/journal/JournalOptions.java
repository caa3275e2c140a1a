package io.exocom.journal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/** How a journal is opened. Built with {@link #builder(Path)}; every value has a default except the directory. */
public final class JournalOptions {

    public static final long DEFAULT_MAX_SEGMENT_BYTES = 64L << 20;
    public static final int DEFAULT_MAX_BATCH_BYTES = 1 << 20;
    public static final int DEFAULT_MAX_RECORD_BYTES = 16 << 20;
    public static final Duration DEFAULT_LAZY_SYNC_INTERVAL = Duration.ofMillis(200);
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

    /** Positions keep the offset in 32 bits; a gibibyte leaves room and keeps reclaim granular. */
    static final long MAX_SEGMENT_BYTES_LIMIT = 1L << 30;
    static final long MIN_SEGMENT_BYTES = 4096;
    static final int MIN_BATCH_BYTES = 4096;

    private final Path directory;
    private final SyncMode syncMode;
    private final long maxSegmentBytes;
    private final int maxBatchBytes;
    private final int maxRecordBytes;
    private final Duration lazySyncInterval;
    private final Duration probeInterval;
    private final Duration closeTimeout;
    private final ChannelFactory channelFactory;
    private final AvailabilityListener availabilityListener;
    private final ThreadFactory threadFactory;
    private final boolean preallocate;
    private final int inlineCompletions;

    private JournalOptions(Builder b) {
        this.directory = b.directory;
        this.syncMode = b.syncMode;
        this.maxSegmentBytes = b.maxSegmentBytes;
        this.maxBatchBytes = b.maxBatchBytes;
        this.maxRecordBytes = b.maxRecordBytes != null ? b.maxRecordBytes
                : (int) Math.min(DEFAULT_MAX_RECORD_BYTES, maxSegmentBytes - SegmentHeader.SIZE - RecordFormat.HEADER_SIZE);
        this.lazySyncInterval = b.lazySyncInterval;
        this.probeInterval = b.probeInterval;
        this.closeTimeout = b.closeTimeout;
        this.channelFactory = b.channelFactory;
        this.availabilityListener = b.availabilityListener;
        this.threadFactory = b.threadFactory;
        this.preallocate = b.preallocate;
        this.inlineCompletions = b.inlineCompletions;
        long roomInSegment = maxSegmentBytes - SegmentHeader.SIZE - RecordFormat.HEADER_SIZE;
        if (maxRecordBytes > roomInSegment) {
            throw new IllegalArgumentException("maxRecordBytes " + maxRecordBytes + " does not fit into a segment of "
                    + maxSegmentBytes + " bytes; accepted is at most " + roomInSegment);
        }
    }

    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    public Path directory() {
        return directory;
    }

    public SyncMode syncMode() {
        return syncMode;
    }

    public long maxSegmentBytes() {
        return maxSegmentBytes;
    }

    public int maxBatchBytes() {
        return maxBatchBytes;
    }

    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    public Duration lazySyncInterval() {
        return lazySyncInterval;
    }

    public Duration probeInterval() {
        return probeInterval;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public ChannelFactory channelFactory() {
        return channelFactory;
    }

    public AvailabilityListener availabilityListener() {
        return availabilityListener;
    }

    public ThreadFactory threadFactory() {
        return threadFactory;
    }

    public boolean preallocate() {
        return preallocate;
    }

    public int inlineCompletions() {
        return inlineCompletions;
    }

    public static final class Builder {
        private final Path directory;
        private SyncMode syncMode = SyncMode.ALWAYS;
        private long maxSegmentBytes = DEFAULT_MAX_SEGMENT_BYTES;
        private int maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
        private Integer maxRecordBytes;
        private Duration lazySyncInterval = DEFAULT_LAZY_SYNC_INTERVAL;
        private Duration probeInterval = DEFAULT_PROBE_INTERVAL;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private ChannelFactory channelFactory = ChannelFactory.DEFAULT;
        private AvailabilityListener availabilityListener = (available, cause) -> { };
        private ThreadFactory threadFactory = runnable -> {
            Thread thread = new Thread(runnable);
            thread.setDaemon(true);
            return thread;
        };
        private boolean preallocate = true;
        private int inlineCompletions;

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        public Builder syncMode(SyncMode syncMode) {
            this.syncMode = Objects.requireNonNull(syncMode, "syncMode");
            return this;
        }

        /** Size at which the writer starts a new segment file; 4 KiB to 1 GiB, default 64 MiB. */
        public Builder maxSegmentBytes(long bytes) {
            if (bytes < MIN_SEGMENT_BYTES || bytes > MAX_SEGMENT_BYTES_LIMIT) {
                throw new IllegalArgumentException("maxSegmentBytes " + bytes + " is out of range; accepted are "
                        + MIN_SEGMENT_BYTES + " to " + MAX_SEGMENT_BYTES_LIMIT + " bytes");
            }
            this.maxSegmentBytes = bytes;
            return this;
        }

        /** Upper bound of one group write (one force); a bigger single record is written alone. Default 1 MiB. */
        public Builder maxBatchBytes(int bytes) {
            if (bytes < MIN_BATCH_BYTES) {
                throw new IllegalArgumentException("maxBatchBytes " + bytes + " is too small; accepted is at least "
                        + MIN_BATCH_BYTES + " bytes");
            }
            this.maxBatchBytes = bytes;
            return this;
        }

        /** Largest payload an append accepts; default 16 MiB or what fits into a segment. */
        public Builder maxRecordBytes(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxRecordBytes " + bytes + " is negative; accepted is 0 or more");
            }
            this.maxRecordBytes = bytes;
            return this;
        }

        /** How long a lazy record may wait for a sync when no durable append comes along; default 200 ms. */
        public Builder lazySyncInterval(Duration interval) {
            this.lazySyncInterval = positive("lazySyncInterval", interval);
            return this;
        }

        /** How often an unavailable journal tries the disk again; default 1 s. */
        public Builder probeInterval(Duration interval) {
            this.probeInterval = positive("probeInterval", interval);
            return this;
        }

        /** How long {@link Journal#close} waits for the writer to finish what is queued; default 30 s. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = positive("closeTimeout", timeout);
            return this;
        }

        public Builder channelFactory(ChannelFactory factory) {
            this.channelFactory = Objects.requireNonNull(factory, "channelFactory");
            return this;
        }

        public Builder availabilityListener(AvailabilityListener listener) {
            this.availabilityListener = Objects.requireNonNull(listener, "availabilityListener");
            return this;
        }

        /** Makes the writer and completion threads (default: daemon threads; the journal names them). */
        public Builder threadFactory(ThreadFactory factory) {
            this.threadFactory = Objects.requireNonNull(factory, "threadFactory");
            return this;
        }

        /**
         * Whether segment files are zero-filled to {@code maxSegmentBytes} ahead of time (default), so that a sync
         * writes data only and no file metadata. Costs one segment of disk ahead and writing each segment twice.
         */
        public Builder preallocate(boolean preallocate) {
            this.preallocate = preallocate;
            return this;
        }

        /**
         * Batches of at most this many appends are completed on the writer thread itself when the completion thread
         * has nothing left to run (so the order of completions stays that of the batches): one thread hand-off less
         * between a sync and its callbacks, which is most of what an append waits for beyond the sync when the
         * journal is lightly loaded. Larger batches, and any batch while the completion thread is busy, still go to
         * the completion thread, so the writer is never held up long. Only for callbacks that never block (they
         * delay the next sync); default 0: every callback runs on the completion thread.
         */
        public Builder inlineCompletions(int maxBatch) {
            if (maxBatch < 0) {
                throw new IllegalArgumentException("inlineCompletions " + maxBatch
                        + " is negative; accepted is 0 or more");
            }
            this.inlineCompletions = maxBatch;
            return this;
        }

        public JournalOptions build() {
            return new JournalOptions(this);
        }

        private static Duration positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " " + value + " is not positive; accepted is a positive duration");
            }
            return value;
        }
    }
}
