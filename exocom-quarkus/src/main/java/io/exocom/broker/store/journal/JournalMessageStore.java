package io.exocom.broker.store.journal;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.Asker;
import io.exocom.broker.core.Delivery;
import io.exocom.broker.store.DeadLetter;
import io.exocom.broker.store.DeadLetterStore;
import io.exocom.broker.store.MessageStore;
import io.exocom.broker.store.Recovered;
import io.exocom.journal.Completion;
import io.exocom.journal.Journal;
import io.exocom.journal.JournalException;
import io.exocom.journal.JournalOptions;
import io.exocom.journal.Positions;
import io.exocom.journal.SegmentInfo;
import io.exocom.journal.SyncMode;
import io.exocom.protocol.ErrorCode;
import io.exocom.protocol.ProtocolException;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The durable store (EXOCOM_STORE=journal, the default): every accepted message is written to an append-only
 * journal ({@code exocom-journal}) and synced before {@code accepted} is answered (group commit: what arrives during
 * one sync goes into the next); what becomes of each copy is written lazily behind it. At start the journal is
 * replayed and the broker takes up every copy not settled, the dead letters, and the de-duplication ids and reply
 * correlations within their windows.
 * <p>
 * Space is reclaimed oldest segment first: a segment goes once nothing in it is live (no copy of its messages waits
 * or is in flight or is a dead letter) and its messages' windows have passed. Two kinds of compaction keep that from
 * waiting forever: the few live messages of an old segment are written again at the head, with their copies' state;
 * and when windows alone pin several segments, the ids and correlations in memory are written at the head, so that
 * those segments can go. So disk use is what is live, the windows' tables, and a few segments more.
 * <p>
 * The broker calls the copy hooks under services' locks: they only queue records ({@link Journal#appendLazy}) and
 * update maps, never wait.
 */
public final class JournalMessageStore implements MessageStore {
    private static final Logger LOG = Logger.getLogger(JournalMessageStore.class);
    /** Window entries per snapshot record. */
    private static final int WINDOW_CHUNK = 4096;
    /** Sealed segments kept before the live messages of the oldest are written again at the head. */
    private static final int SEGMENTS_BEFORE_COMPACTION = 4;

    private final Journal journal;
    private final DeadLetterStore deadLetters;
    private final Settings settings;
    private final Map<Long, Live> live = new ConcurrentHashMap<>();
    private final Map<Long, SegmentState> segments = new ConcurrentHashMap<>();
    private final Map<Asker, Asker> askers = new ConcurrentHashMap<>();
    private final AtomicLong compactedMessages = new AtomicLong();
    private final AtomicLong deletedSegments = new AtomicLong();
    private volatile WindowSource windows;

    /** What the store needs to know of the broker's windows and bounds. */
    public record Settings(long dedupWindowNanos, long replyWindowNanos, int dedupMaxEntries, int maxCorrelations) {
        long windowNanos() {
            return Math.max(dedupWindowNanos, replyWindowNanos);
        }
    }

    /** The broker's ids and correlations, written out when windows alone pin old segments. */
    public interface WindowSource {
        void snapshot(Consumer<Recovered.Id> ids, Consumer<Recovered.Correlation> correlations);

        /** How many ids and correlations there are, for the size of a snapshot. */
        long entries();
    }

    /**
     * A message with copies not yet settled: what compaction writes again, and what pins its segment. It is live from
     * the append on, since a 1.3 sender's copies may be delivered and settled before the journal holds the message;
     * it counts for a segment only once stored, and only if a copy is still unsettled then. Guarded by itself.
     */
    private static final class Live {
        /** Not yet in a segment: the append has not completed. */
        static final long UNSTORED = -1;
        final AcceptedMessage message;
        final Map<String, Delivery> copies = new HashMap<>();
        final Map<String, DeadLetter> dead = new HashMap<>();
        long segment;
        /** Every copy was settled: the entry left {@link #live}, and counts (or will count) for no segment. */
        boolean ended;

        Live(AcceptedMessage message, long segment) {
            this.message = message;
            this.segment = segment;
        }
    }

    /** How many live messages a segment holds, and the newest acceptance time in it. */
    private static final class SegmentState {
        final AtomicInteger liveMessages = new AtomicInteger();
        final AtomicLong newestWallNanos = new AtomicLong();
    }

    private JournalMessageStore(Journal journal, DeadLetterStore deadLetters, Settings settings) {
        this.journal = journal;
        this.deadLetters = deadLetters;
        this.settings = settings;
    }

    /**
     * Opens (and locks) the journal in {@code options}' directory; the caller then calls {@link #recover()} once.
     *
     * @throws JournalException when the directory cannot be used or another broker holds it
     */
    public static JournalMessageStore open(JournalOptions options, DeadLetterStore deadLetters, Settings settings) {
        return new JournalMessageStore(Journal.open(options), deadLetters, settings);
    }

    /** Tells the store where the broker's windows are, for compaction; call before the first {@link #maintain()}. */
    public void windowsFrom(WindowSource source) {
        this.windows = source;
    }

    public Journal journal() {
        return journal;
    }

    // ------------------------------------------------------------------ appending

    @Override
    public void append(AcceptedMessage message, List<Delivery> copies, Appended done) {
        byte[] record = Codec.message(message, copies, Map.of());
        Live entry = new Live(message, Live.UNSTORED);
        for (Delivery copy : copies) {
            entry.copies.put(copy.service(), copy);
        }
        live.put(message.sequence(), entry);
        try {
            journal.append(StoreRecord.MESSAGE, record, new Completion() {
                @Override
                public void completed(long position) {
                    message.storedAt(position);
                    long segment = Positions.segmentOf(position);
                    synchronized (entry) { // under the lock: a settle that follows counts down after this counted up
                        entry.segment = segment;
                        if (!entry.ended) {
                            count(segment, message.timestamp(), 1);
                        }
                    }
                    done.stored();
                }

                @Override
                public void failed(JournalException error) {
                    live.remove(message.sequence(), entry);
                    done.failed(unavailable(error));
                }
            });
        } catch (JournalException refused) {
            live.remove(message.sequence(), entry);
            done.failed(unavailable(refused));
        } catch (RuntimeException bug) { // e.g. a record above maxRecordBytes: nothing was queued, nothing stays live
            live.remove(message.sequence(), entry);
            throw bug;
        }
    }

    private static ProtocolException unavailable(JournalException error) {
        return new ProtocolException(ErrorCode.STORAGE_UNAVAILABLE, "ExoCom cannot store messages now ("
                + error.getMessage() + "), so nothing was accepted: retry later; the broker accepts again as soon "
                + "as its disk works");
    }

    private void count(long segment, long wallNanos, int delta) {
        SegmentState state = segments.computeIfAbsent(segment, id -> new SegmentState());
        state.liveMessages.addAndGet(delta);
        state.newestWallNanos.accumulateAndGet(wallNanos, Math::max);
    }

    @Override
    public void delivered(Delivery copy) {
        AcceptedMessage message = copy.message();
        lazy(StoreRecord.DELIVERED, new RecordBytes.Writer(64).putLong(message.sequence()).putString(copy.service())
                .putInt(copy.attempts()).putString(copy.deliveredId()).putLong(wallClockNanos()).toBytes());
    }

    @Override
    public void settled(Delivery copy) {
        AcceptedMessage message = copy.message();
        lazy(StoreRecord.SETTLED, new RecordBytes.Writer(48).putLong(message.sequence()).putString(copy.service()).toBytes());
        Live entry = live.get(message.sequence());
        if (entry == null) {
            return;
        }
        boolean gone;
        synchronized (entry) {
            entry.copies.remove(copy.service());
            entry.dead.remove(copy.service());
            gone = entry.copies.isEmpty() && !entry.ended;
            entry.ended |= gone;
            if (gone && entry.segment != Live.UNSTORED) { // else its append completes uncounted
                count(entry.segment, message.timestamp(), -1);
            }
        }
        if (gone) {
            live.remove(message.sequence(), entry);
        }
    }

    @Override
    public void deadLettered(DeadLetter letter) {
        Delivery copy = letter.delivery();
        lazy(StoreRecord.DEAD, new RecordBytes.Writer(96).putLong(copy.message().sequence()).putString(copy.service())
                .putString(letter.key()).putString(letter.reason()).putLong(letter.diedAtMillis())
                .putInt(copy.attempts()).toBytes());
        Live entry = live.get(copy.message().sequence());
        if (entry != null) {
            synchronized (entry) {
                entry.dead.put(copy.service(), letter);
                entry.copies.put(copy.service(), copy);
            }
        }
    }

    @Override
    public void replayed(DeadLetter letter, Delivery again) {
        lazy(StoreRecord.REPLAYED, new RecordBytes.Writer(48).putLong(again.message().sequence())
                .putString(again.service()).toBytes());
        Live entry = live.get(again.message().sequence());
        if (entry != null) {
            synchronized (entry) {
                entry.dead.remove(again.service());
                entry.copies.put(again.service(), again);
            }
        }
    }

    /** A record nobody waits for; while the journal cannot write it is dropped, as at-least-once allows. */
    private void lazy(int type, byte[] record) {
        try {
            journal.appendLazy(type, record);
        } catch (JournalException stopped) {
            LOG.debugf("a lazy record was not written: %s", stopped.getMessage());
        }
    }

    // ------------------------------------------------------------------ recovery

    @Override
    public Recovered recover() {
        long started = System.nanoTime();
        Recovery recovery = new Recovery(settings, wallClockNanos(), askers);
        journal.replay(recovery);
        Recovered recovered = recovery.result(journal.recoveryReport(), System.nanoTime() - started);
        for (Recovered.Message message : recovered.messages()) {
            Live entry = new Live(message.message(), Positions.segmentOf(message.message().storePosition()));
            for (Recovered.Copy copy : message.copies()) {
                entry.copies.put(copy.delivery().service(), copy.delivery());
                if (copy.dead() != null) {
                    entry.dead.put(copy.delivery().service(), new DeadLetter(copy.dead().key(), copy.delivery(),
                            copy.dead().reason(), copy.dead().diedAtMillis()));
                }
            }
            live.put(message.message().sequence(), entry);
            count(entry.segment, message.message().timestamp(), 1);
        }
        for (long segment : recovery.segmentsSeen()) {
            segments.computeIfAbsent(segment, id -> new SegmentState()).newestWallNanos
                    .accumulateAndGet(recovery.newestWallOf(segment), Math::max);
        }
        return recovered;
    }

    // ------------------------------------------------------------------ reclaiming space

    @Override
    public void maintain() {
        if (!journal.isAvailable()) {
            return;
        }
        List<SegmentInfo> sealed = new ArrayList<>(journal.segments().stream().filter(info -> !info.active())
                .sorted(Comparator.comparingLong(SegmentInfo::id)).toList());
        long now = wallClockNanos();
        // 1. oldest first, delete what has nothing live and is past its windows
        while (!sealed.isEmpty() && isFree(sealed.get(0).id()) && isPastWindows(sealed.get(0).id(), now)) {
            delete(sealed.remove(0));
        }
        if (sealed.isEmpty()) {
            return;
        }
        // 2. the oldest holds live messages and the log grew long behind it: write them again at the head
        SegmentInfo oldest = sealed.get(0);
        if (!isFree(oldest.id()) && sealed.size() >= SEGMENTS_BEFORE_COMPACTION) {
            compactLiveMessages(oldest.id());
            return;
        }
        // 3. windows alone pin a run of old segments worth more than the tables: write the tables, then let them go
        int pinnedRun = 0;
        long pinnedBytes = 0;
        while (pinnedRun < sealed.size() && isFree(sealed.get(pinnedRun).id())) {
            pinnedBytes += sealed.get(pinnedRun).sizeBytes();
            pinnedRun++;
        }
        if (pinnedRun >= 2 && windows != null && pinnedBytes > 4 * estimatedWindowBytes()) {
            if (writeWindows()) {
                for (int i = 0; i < pinnedRun; i++) {
                    delete(sealed.get(i));
                }
            }
        }
    }

    private boolean isFree(long segment) {
        SegmentState state = segments.get(segment);
        return state == null || state.liveMessages.get() <= 0;
    }

    private boolean isPastWindows(long segment, long nowWallNanos) {
        SegmentState state = segments.get(segment);
        return state == null || nowWallNanos - state.newestWallNanos.get() > settings.windowNanos();
    }

    private void delete(SegmentInfo segment) {
        try {
            journal.deleteSegment(segment.id()).get(30, TimeUnit.SECONDS);
            segments.remove(segment.id());
            deletedSegments.incrementAndGet();
            LOG.debugf("journal segment %d deleted: nothing in it is live or within a window", segment.id());
        } catch (Exception e) {
            LOG.warnf("journal segment %d could not be deleted, will try again: %s", segment.id(), e.toString());
        }
    }

    /** Writes the live messages of a segment again at the head, durably, so that the segment can go. */
    private void compactLiveMessages(long segment) {
        List<Live> survivors = live.values().stream().filter(entry -> entry.segment == segment).toList();
        CountDownLatch written = new CountDownLatch(survivors.size());
        AtomicInteger failed = new AtomicInteger();
        for (Live entry : survivors) {
            byte[] record;
            synchronized (entry) {
                record = Codec.message(entry.message, new ArrayList<>(entry.copies.values()), new HashMap<>(entry.dead));
            }
            journal.append(StoreRecord.MESSAGE, record, new Completion() {
                @Override
                public void completed(long position) {
                    long moved = Positions.segmentOf(position);
                    synchronized (entry) {
                        if (!entry.ended) { // settled meanwhile: it counted its old segment down already
                            count(moved, entry.message.timestamp(), 1);
                            count(entry.segment, entry.message.timestamp(), -1);
                            entry.segment = moved;
                        }
                    }
                    written.countDown();
                }

                @Override
                public void failed(JournalException error) {
                    failed.incrementAndGet();
                    written.countDown();
                }
            });
        }
        try {
            written.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        compactedMessages.addAndGet(survivors.size() - failed.get());
        LOG.debugf("journal segment %d: %d live messages written again at the head", segment, survivors.size());
    }

    /** About what a snapshot of the windows takes on disk: some 40 to 60 bytes an entry. */
    private long estimatedWindowBytes() {
        return 56L * windows.entries();
    }

    /** Writes the ids and correlations in memory, durably; true when all of it was written. */
    private boolean writeWindows() {
        List<byte[]> records = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int chunkBytes = (int) Math.min(256 * 1024, Math.min(journal.options().maxRecordBytes() / 2,
                journal.options().maxSegmentBytes() / 4));
        Chunker ids = new Chunker(StoreRecord.WINDOW_IDS, chunkBytes, records, types);
        Chunker open = new Chunker(StoreRecord.WINDOW_CORRELATIONS, chunkBytes, records, types);
        windows.snapshot(id -> ids.add(writer -> writer.putLong(id.hi()).putLong(id.lo()).putLong(id.timestamp())
                        .putLong(id.rememberedWallNanos())),
                correlation -> open.add(writer -> writer.putLong(correlation.hi()).putLong(correlation.lo())
                        .putLong(correlation.openedWallNanos()).putAsker(correlation.asker())
                        .putString(correlation.askerId())));
        ids.finish();
        open.finish();
        CountDownLatch written = new CountDownLatch(records.size());
        AtomicInteger failed = new AtomicInteger();
        long writtenAt = wallClockNanos();
        for (int i = 0; i < records.size(); i++) {
            journal.append(types.get(i), records.get(i), new Completion() {
                @Override
                public void completed(long position) {
                    // the windows now live in this segment: it stays as long as they do
                    segments.computeIfAbsent(Positions.segmentOf(position), id -> new SegmentState())
                            .newestWallNanos.accumulateAndGet(writtenAt, Math::max);
                    written.countDown();
                }

                @Override
                public void failed(JournalException error) {
                    failed.incrementAndGet();
                    written.countDown();
                }
            });
        }
        try {
            return written.await(60, TimeUnit.SECONDS) && failed.get() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Packs window entries into records of at most {@link #WINDOW_CHUNK} entries and a size: a count, then them. */
    private static final class Chunker {
        private final int type;
        private final int maxBytes;
        private final List<byte[]> records;
        private final List<Integer> types;
        private RecordBytes.Writer body = new RecordBytes.Writer(WINDOW_CHUNK * 40);
        private int count;

        Chunker(int type, int maxBytes, List<byte[]> records, List<Integer> types) {
            this.type = type;
            this.maxBytes = maxBytes;
            this.records = records;
            this.types = types;
        }

        void add(Consumer<RecordBytes.Writer> entry) {
            entry.accept(body);
            if (++count == WINDOW_CHUNK || body.length() > maxBytes - 256) {
                finish();
            }
        }

        void finish() {
            if (count == 0) {
                return;
            }
            byte[] entries = body.toBytes();
            records.add(new RecordBytes.Writer(entries.length + 8).putInt(count).putBytes(entries).toBytes());
            types.add(type);
            body = new RecordBytes.Writer(WINDOW_CHUNK * 40);
            count = 0;
        }
    }

    // ------------------------------------------------------------------ the rest

    @Override
    public DeadLetterStore deadLetters() {
        return deadLetters;
    }

    @Override
    public boolean isAvailable() {
        return journal.isAvailable();
    }

    /** Why the store cannot take messages, or null. */
    public String unavailableBecause() {
        return journal.isAvailable() ? null : String.valueOf(journal.unavailableCause().getMessage());
    }

    public long compactedMessages() {
        return compactedMessages.get();
    }

    public long deletedSegments() {
        return deletedSegments.get();
    }

    public int liveMessages() {
        return live.size();
    }

    @Override
    public String description() {
        return "journal in " + journal.directory().toAbsolutePath() + " (sync " + (journal.options().syncMode()
                == SyncMode.ALWAYS ? "always: accepted messages survive a crash of the machine"
                : "os: accepted messages survive a crash of the broker, not of the machine") + ")";
    }

    @Override
    public void close() {
        journal.close();
    }

    static long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
