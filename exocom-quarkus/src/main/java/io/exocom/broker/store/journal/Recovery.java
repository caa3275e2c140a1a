package io.exocom.broker.store.journal;

import io.exocom.broker.core.AcceptedMessage;
import io.exocom.broker.core.Asker;
import io.exocom.broker.core.Delivery;
import io.exocom.broker.core.Key128;
import io.exocom.broker.store.Recovered;
import io.exocom.journal.Positions;
import io.exocom.journal.RecordVisitor;
import io.exocom.journal.RecoveryReport;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rebuilds the store's state from the journal, record by record in log order: a message record (a later one of
 * the same message supersedes the earlier), then what became of each copy, then the windows. What the ids and
 * correlations tables get is bounded as the broker's own tables are. A record that does not decode is skipped and
 * counted: the journal checked its checksum, so it can only be a record of a newer broker.
 */
final class Recovery implements RecordVisitor {
    private static final Logger LOG = Logger.getLogger(Recovery.class);

    private final JournalMessageStore.Settings settings;
    private final long nowWallNanos;
    private final Map<Asker, Asker> askers;
    private final Map<Long, Message> messages = new LinkedHashMap<>();
    private final LinkedHashMap<Key128, Recovered.Id> ids;
    private final LinkedHashMap<Key128, Recovered.Correlation> correlations;
    private final Map<Long, Long> newestWallBySegment = new HashMap<>();
    private long lastSequence;
    private long records;
    private long undecodable;

    /** A message as recovered so far: its copies not yet settled. */
    private static final class Message {
        final AcceptedMessage message;
        final Map<String, Copy> copies = new LinkedHashMap<>();

        Message(AcceptedMessage message) {
            this.message = message;
        }
    }

    private static final class Copy {
        final String service;
        final Asker replyTo;
        int attempts;
        String deliveredId;
        Recovered.DeadLetterInfo dead;

        Copy(String service, Asker replyTo) {
            this.service = service;
            this.replyTo = replyTo;
        }
    }

    Recovery(JournalMessageStore.Settings settings, long nowWallNanos, Map<Asker, Asker> askers) {
        this.settings = settings;
        this.nowWallNanos = nowWallNanos;
        this.askers = askers;
        this.ids = bounded(settings.dedupMaxEntries());
        this.correlations = bounded(settings.maxCorrelations());
    }

    private static <V> LinkedHashMap<Key128, V> bounded(int max) {
        return new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key128, V> eldest) {
                return size() > max;
            }
        };
    }

    private Asker intern(Asker asker) {
        return askers.computeIfAbsent(asker, a -> a);
    }

    @Override
    public void record(long position, int type, ByteBuffer payload) {
        records++;
        try {
            RecordBytes.Reader in = new RecordBytes.Reader(payload);
            switch (type) {
                case StoreRecord.MESSAGE -> message(position, in);
                case StoreRecord.DELIVERED -> delivered(in);
                case StoreRecord.SETTLED -> settled(in);
                case StoreRecord.DEAD -> dead(in);
                case StoreRecord.REPLAYED -> replayed(in);
                case StoreRecord.WINDOW_IDS -> windowIds(position, in);
                case StoreRecord.WINDOW_CORRELATIONS -> windowCorrelations(position, in);
                default -> undecodable++;
            }
        } catch (RuntimeException unreadable) {
            undecodable++;
            if (undecodable <= 3) {
                LOG.warnf("journal record at %s (type %d) does not decode and is skipped: %s",
                        Positions.toString(position), type, unreadable.toString());
            }
        }
    }

    private void message(long position, RecordBytes.Reader in) {
        long sequence = in.getLong();
        long timestamp = in.getLong();
        int flags = in.getByte();
        String sender = in.getString();
        String id = in.getString();
        String name = in.getString();
        String originId = in.getString();
        String responseTo = in.getString();
        String repliedKey = in.getString();
        Asker asker = in.getAsker(this::intern);
        int copyCount = in.getInt();
        List<Copy> copies = new ArrayList<>(copyCount);
        for (int i = 0; i < copyCount; i++) {
            Copy copy = new Copy(in.getString(), in.getAsker(this::intern));
            copy.attempts = in.getInt();
            copy.deliveredId = in.getString();
            if (in.getByte() == 1) {
                copy.dead = new Recovered.DeadLetterInfo(in.getString(), in.getString(), in.getLong());
            }
            copies.add(copy);
        }
        byte[] envelope = in.getBytes();
        boolean reply = Codec.isReply(flags);
        AcceptedMessage message = new AcceptedMessage(sequence, sender, asker, id, name, originId,
                reply ? responseTo : null, reply ? repliedKey : null, Codec.isFinal(flags), timestamp,
                System.nanoTime(), envelope);
        message.storedAt(position);
        Message recovered = new Message(message);
        copies.forEach(copy -> recovered.copies.put(copy.service, copy));
        messages.put(sequence, recovered); // a later record of the same message supersedes the earlier
        if (recovered.copies.isEmpty()) {
            messages.remove(sequence);
        }
        lastSequence = Math.max(lastSequence, sequence);
        newestWallBySegment.merge(Positions.segmentOf(position), timestamp, Math::max);
        if (nowWallNanos - timestamp <= settings.dedupWindowNanos()) {
            ids.put(Key128.of(sender, id), new Recovered.Id(0, 0, timestamp, timestamp));
        }
        if (reply && Codec.isFinal(flags) && repliedKey != null) {
            correlations.remove(Key128.of(sender, repliedKey)); // a final reply closed it
        }
    }

    private void delivered(RecordBytes.Reader in) {
        long sequence = in.getLong();
        String service = in.getString();
        int attempts = in.getInt();
        String deliveredId = in.getString();
        long atWall = in.getLong();
        Message message = messages.get(sequence);
        Copy copy = message == null ? null : message.copies.get(service);
        if (copy == null) {
            return; // its message was settled, or its record went with an older segment
        }
        copy.attempts = Math.max(copy.attempts, attempts);
        if (copy.deliveredId == null && deliveredId != null && !message.message.isReply()) {
            copy.deliveredId = deliveredId;
        }
        if (!message.message.isReply() && deliveredId != null && nowWallNanos - atWall <= settings.replyWindowNanos()) {
            String askerId = deliveredId.equals(message.message.id()) ? null : message.message.id();
            correlations.put(Key128.of(service, deliveredId), new Recovered.Correlation(0, 0, message.message.asker(),
                    askerId, atWall));
        }
    }

    private void settled(RecordBytes.Reader in) {
        long sequence = in.getLong();
        String service = in.getString();
        Message message = messages.get(sequence);
        if (message != null) {
            message.copies.remove(service);
            if (message.copies.isEmpty()) {
                messages.remove(sequence);
            }
        }
    }

    private void dead(RecordBytes.Reader in) {
        long sequence = in.getLong();
        String service = in.getString();
        Recovered.DeadLetterInfo info = new Recovered.DeadLetterInfo(in.getString(), in.getString(), in.getLong());
        int attempts = in.getInt();
        Message message = messages.get(sequence);
        Copy copy = message == null ? null : message.copies.get(service);
        if (copy != null) {
            copy.dead = info;
            copy.attempts = attempts;
        }
    }

    private void replayed(RecordBytes.Reader in) {
        long sequence = in.getLong();
        String service = in.getString();
        Message message = messages.get(sequence);
        Copy copy = message == null ? null : message.copies.get(service);
        if (copy != null) {
            copy.dead = null;
            copy.attempts = 0;
        }
    }

    private void windowIds(long position, RecordBytes.Reader in) {
        int count = in.getInt();
        RecordBytes.Reader entries = new RecordBytes.Reader(ByteBuffer.wrap(in.getBytes()));
        for (int i = 0; i < count; i++) {
            long hi = entries.getLong();
            long lo = entries.getLong();
            long timestamp = entries.getLong();
            long rememberedWall = entries.getLong();
            if (nowWallNanos - rememberedWall <= settings.dedupWindowNanos()) {
                ids.put(new Key128(hi, lo), new Recovered.Id(hi, lo, timestamp, rememberedWall));
            }
            newestWallBySegment.merge(Positions.segmentOf(position), rememberedWall, Math::max);
        }
    }

    private void windowCorrelations(long position, RecordBytes.Reader in) {
        int count = in.getInt();
        RecordBytes.Reader entries = new RecordBytes.Reader(ByteBuffer.wrap(in.getBytes()));
        for (int i = 0; i < count; i++) {
            long hi = entries.getLong();
            long lo = entries.getLong();
            long openedWall = entries.getLong();
            Asker asker = entries.getAsker(this::intern);
            String askerId = entries.getString();
            if (nowWallNanos - openedWall <= settings.replyWindowNanos() && asker != null) {
                correlations.put(new Key128(hi, lo), new Recovered.Correlation(hi, lo, asker, askerId, openedWall));
            }
            newestWallBySegment.merge(Positions.segmentOf(position), openedWall, Math::max);
        }
    }

    Set<Long> segmentsSeen() {
        return new HashSet<>(newestWallBySegment.keySet());
    }

    long newestWallOf(long segment) {
        return newestWallBySegment.getOrDefault(segment, 0L);
    }

    Recovered result(RecoveryReport report, long tookNanos) {
        List<Recovered.Message> waiting = new ArrayList<>(messages.size());
        int copies = 0;
        int deadLetters = 0;
        for (Message message : messages.values()) {
            List<Recovered.Copy> kept = new ArrayList<>(message.copies.size());
            for (Copy copy : message.copies.values()) {
                Delivery delivery = Delivery.recovered(message.message, copy.service, copy.replyTo, copy.attempts,
                        copy.deliveredId);
                kept.add(new Recovered.Copy(delivery, copy.dead));
                if (copy.dead != null) {
                    deadLetters++;
                } else {
                    copies++;
                }
            }
            waiting.add(new Recovered.Message(message.message, message.message.timestamp(), kept));
        }
        List<Recovered.Id> idList = new ArrayList<>(ids.size());
        ids.forEach((key, id) -> idList.add(new Recovered.Id(key.hi(), key.lo(), id.timestamp(), id.rememberedWallNanos())));
        List<Recovered.Correlation> open = new ArrayList<>(correlations.size());
        correlations.forEach((key, c) -> open.add(new Recovered.Correlation(key.hi(), key.lo(), c.asker(), c.askerId(),
                c.openedWallNanos())));
        String summary = "recovered " + waiting.size() + " messages (" + copies + " copies to deliver, " + deadLetters
                + " dead letters), " + idList.size() + " ids and " + open.size() + " correlations from " + records
                + " records in " + report.segments() + " segments in " + tookNanos / 1_000_000 + " ms"
                + (report.clean() ? "" : "; " + report.summary())
                + (undecodable == 0 ? "" : "; " + undecodable + " records did not decode and were skipped");
        return new Recovered(waiting, idList, open, lastSequence, summary);
    }

}
